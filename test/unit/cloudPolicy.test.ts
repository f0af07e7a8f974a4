import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEFAULT_NEVER_SEND, forCloud, globToRegExp, isNeverSend } from '../../src/core/context/cloudPolicy';

describe('never-send patterns', () => {
  it('match file names anywhere when the pattern has no slash', () => {
    expect(isNeverSend('.env', DEFAULT_NEVER_SEND)).toBe(true);
    expect(isNeverSend('config/.env.production', DEFAULT_NEVER_SEND)).toBe(true);
    expect(isNeverSend('deploy\\certs\\server.pem', DEFAULT_NEVER_SEND)).toBe(true);
    expect(isNeverSend('src/environment.ts', DEFAULT_NEVER_SEND)).toBe(false);
  });

  it('match the workspace-relative path when the pattern has a slash', () => {
    expect(isNeverSend('infra/prod/values.yaml', ['infra/prod/**'])).toBe(true);
    expect(isNeverSend('infra/dev/values.yaml', ['infra/prod/**'])).toBe(false);
  });

  it('withhold the common secret files by default, at the workspace root or in a folder', () => {
    const secretFiles = ['.envrc', 'prod.env', '.aws/credentials', '/home/ada/.aws/credentials', '.git-credentials', '.pypirc', 'infra/prod.tfvars', '.docker/config.json', 'home/.kube/config', 'kubeconfig', 'staging.kubeconfig'];
    expect(secretFiles.filter((f) => !isNeverSend(f, DEFAULT_NEVER_SEND))).toEqual([]);
    expect(['src/env.ts', 'config.json', 'docs/kube.md', 'terraform/main.tf'].filter((f) => isNeverSend(f, DEFAULT_NEVER_SEND))).toEqual([]);
  });

  it('are the defaults the editor setting ships with', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.contributes.configuration.properties['singularity.privacy.neverSend'].default).toEqual([...DEFAULT_NEVER_SEND]);
  });

  it('match the file an item names, not its label', () => {
    expect(isNeverSend('.env (git diff HEAD)', DEFAULT_NEVER_SEND)).toBe(true);
    expect(isNeverSend('config/.env.local:12', DEFAULT_NEVER_SEND)).toBe(true);
    expect(isNeverSend('src/app.ts (git diff HEAD)', DEFAULT_NEVER_SEND)).toBe(false);
  });

  it('let a leading **/ match no folder as well as any', () => {
    expect(globToRegExp('**/.aws/credentials').test('.aws/credentials')).toBe(true);
    expect(globToRegExp('**/.aws/credentials').test('a/b/.aws/credentials')).toBe(true);
  });

  it('keep * within one path segment and ** across segments', () => {
    expect(globToRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
    expect(globToRegExp('src/**.ts').test('src/a/b.ts')).toBe(true);
  });
});

describe('forCloud', () => {
  const input = {
    question: 'Why does login fail? My key is sk-proj-4f9KQ2mZx8Lr7TnWv3Yb1Hc6Jd0SeAp',
    history: [{ role: 'user' as const, content: 'my .env had:\nDB_PASSWORD=correct-horse-battery' }],
    context: [
      { kind: 'file' as const, path: '.env', text: 'API_KEY=abcd1234efgh' },
      { kind: 'file' as const, path: 'src/db.ts', text: 'connect("postgres://app:s3cr3t@db:5432/app")' },
    ],
  };

  it('withholds never-send files and redacts secrets in question, history and context', async () => {
    const safe = await forCloud(input, { localOnly: false, neverSend: DEFAULT_NEVER_SEND.slice() });
    expect(safe.withheld).toEqual(['.env']);
    expect(safe.context.map((c) => c.path)).toEqual(['src/db.ts']);
    expect(safe.redacted).toBe(3);
    expect(JSON.stringify(safe)).not.toMatch(/sk-proj-4f9|correct-horse|s3cr3t|abcd1234efgh/);
  });

  it('redacts the caller\'s system prompt', async () => {
    const safe = await forCloud({ ...input, system: 'Deploy with GITLAB_TOKEN=glpat-xK3mP9vQ2rT7wY1zB5nC' }, { localOnly: false, neverSend: [] });
    expect(safe.system).toBe('Deploy with GITLAB_TOKEN=[REDACTED:gitlab-token]');
  });
});
