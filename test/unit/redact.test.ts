import { describe, expect, it } from 'vitest';
import { redactSecrets, SECRET_KINDS } from '../../src/core/context/redact';

// Synthetic values in the real formats (none is a live credential).
const corpus: Record<string, string> = {
  'private-key': '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----',
  'anthropic-key': 'ANTHROPIC = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"',
  'openai-key': 'client = OpenAI(api_key="sk-proj-4f9KQ2mZx8Lr7TnWv3Yb1Hc6Jd0SeAp")',
  'github-token': 'git clone https://ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8@github.com/org/repo',
  'aws-access-key-id': 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'google-api-key': 'const key = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";',
  'slack-token': 'SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  'stripe-key': 'stripe.api_key = sk_live_51HdT7kLmNoPqRsTuVwXyZ012345',
  jwt: 'token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'bearer-token': 'curl -H "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0" https://api.example.com',
  'connection-string-password': 'DATABASE_URL_RO=postgres://app:s3cr3t-Pa55@db.internal:5432/app',
  'env-secret': 'DB_PASSWORD=correct-horse-battery',
  'assigned-secret': '{ "password": "hunter2hunter2" }',
};

describe('redactSecrets', () => {
  it('has a corpus entry for every format it knows', () => {
    expect(Object.keys(corpus).sort()).toEqual([...SECRET_KINDS].sort());
  });

  for (const [kind, text] of Object.entries(corpus)) {
    it(`redacts ${kind}`, () => {
      const r = redactSecrets(text);
      expect(r.kinds[kind]).toBeGreaterThanOrEqual(1);
      expect(r.text).toContain(`[REDACTED:${kind}]`);
    });
  }

  it('removes the secret value itself, keeping the surrounding code', () => {
    const r = redactSecrets('const db = "mysql://root:p4ssw0rd!@localhost/shop";');
    expect(r.text).toBe('const db = "mysql://root:[REDACTED:connection-string-password]@localhost/shop";');
    expect(r.count).toBe(1);
  });

  it('counts every secret in a mixed .env file', () => {
    const env = 'NODE_ENV=production\nAPI_KEY=abcd1234efgh\nSTRIPE_SECRET=sk_live_51HdT7kLmNoPqRsTuVwXyZ012345\nPORT=8080\n';
    const r = redactSecrets(env);
    expect(r.text).toContain('NODE_ENV=production');
    expect(r.text).toContain('PORT=8080');
    expect(r.text).not.toContain('abcd1234efgh');
    expect(r.text).not.toContain('sk_live_51HdT7');
    expect(r.count).toBe(2);
  });

  it('leaves ordinary code alone', () => {
    const code = [
      'interface Login { password: string; token?: string }',
      'const token = await getToken(user);',
      'function apiKeyFor(name: string) { return keys[name]; }',
      'const skip = "sk-short";',
      'let secretSauce = compute();',
    ].join('\n');
    expect(redactSecrets(code)).toEqual({ text: code, kinds: {}, count: 0 });
  });
});
