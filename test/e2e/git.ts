// A workspace made a git repository with everything in it committed, for the commands that read `git diff HEAD`.
import { execFileSync } from 'node:child_process';

export function commitAll(dir: string): void {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=e2e@example.invalid', '-c', 'user.name=e2e', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
}
