import { describe, expect, it } from 'vitest';
import { applySpans, redactSecrets } from '../../src/core/context/redact';
import { OWN_SECRET_KINDS, ownSecretSpans } from '../../src/core/context/secretRules';
import { secretlintSpans } from '../../src/core/context/secretlintSpans';
import { NOT_SECRETS, SECRET_CORPUS } from '../fixtures/secretCorpus';

describe('redactSecrets', () => {
  for (const { name, text, secret } of SECRET_CORPUS) {
    it(`takes out a ${name}`, async () => {
      const r = await redactSecrets(text);
      expect(r.text).not.toContain(secret);
      expect(r.text).toMatch(/\[REDACTED:[a-z0-9-]+\]/);
    });
  }

  for (const { name, text } of NOT_SECRETS) {
    it(`leaves ${name} alone`, async () => {
      expect(await redactSecrets(text)).toEqual({ text, kinds: {}, count: 0 });
    });
  }

  it('removes the secret value itself, keeping the surrounding code', async () => {
    const r = await redactSecrets('const db = "mysql://root:p4ssw0rd!@localhost/shop";');
    expect(r.text).toBe('const db = "mysql://root:[REDACTED:url-password]@localhost/shop";');
    expect(r.count).toBe(1);
  });

  it('counts every secret in a mixed .env file once', async () => {
    const env = 'NODE_ENV=production\nAPI_KEY=abcd1234efgh\nSTRIPE_SECRET=sk_live_51HdT7kLmNoPqRsTuVwXyZ012345\nPORT=8080\n';
    const r = await redactSecrets(env);
    expect(r.text).toBe('NODE_ENV=production\nAPI_KEY=[REDACTED:env-secret]\nSTRIPE_SECRET=[REDACTED:stripe-key]\nPORT=8080\n');
    expect(r.count).toBe(2);
  });

  it('does not obey a file\'s own secretlint-disable comment', async () => {
    const r = await redactSecrets('// secretlint-disable\nconst key = "AKIAQYLPMN5HFIQR7XZ2";');
    expect(r.text).not.toContain('AKIAQYLPMN5HFIQR7XZ2');
  });
});

describe('our own rules', () => {
  it('each take out a secret of the corpus that secretlint\'s preset leaves in', async () => {
    const needed = new Set<string>();
    for (const { text, secret } of SECRET_CORPUS) {
      if (!applySpans(text, await secretlintSpans(text)).text.includes(secret)) continue;
      for (const s of ownSecretSpans(text)) if (!applySpans(text, [s]).text.includes(secret)) needed.add(s.kind);
    }
    expect(OWN_SECRET_KINDS.filter((k) => !needed.has(k))).toEqual([]);
  });
});

describe('applySpans', () => {
  it('replaces overlapping finds as one secret named by the longest', () => {
    const r = applySpans('a https://u:pw@h b', [{ start: 2, end: 16, kind: 'url-password' }, { start: 12, end: 14, kind: 'x' }]);
    expect(r).toEqual({ text: 'a [REDACTED:url-password] b', kinds: { 'url-password': 1 }, count: 1 });
  });
});
