import { describe, expect, it } from 'vitest';
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

  it('withholds never-send files and redacts secrets in question, history and context', () => {
    const safe = forCloud(input, { localOnly: false, neverSend: DEFAULT_NEVER_SEND.slice() });
    expect(safe.withheld).toEqual(['.env']);
    expect(safe.context.map((c) => c.path)).toEqual(['src/db.ts']);
    expect(safe.redacted).toBe(3);
    expect(JSON.stringify(safe)).not.toMatch(/sk-proj-4f9|correct-horse|s3cr3t|abcd1234efgh/);
  });
});
