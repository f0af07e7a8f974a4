// Secrets are taken out of anything that goes to the cloud. Each format is a pattern with a name; a
// match becomes [REDACTED:name] so the model still sees that something was there (and its kind).
// Local nodes get the text as it is: it does not leave the machine or the LAN.

interface SecretFormat {
  kind: string;
  pattern: RegExp;
  /** Which capture group holds the secret; 0 = the whole match. */
  group?: number;
}

/** Ordered: specific formats first, so an Anthropic key is not reported as a generic "sk-" key. */
const FORMATS: readonly SecretFormat[] = [
  { kind: 'private-key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g },
  { kind: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { kind: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: 'aws-secret-access-key', pattern: /aws_secret_access_key\s*[=:]\s*["']?([A-Za-z0-9/+=]{40})/gi, group: 1 },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'stripe-key', pattern: /\b(?:sk|rk)_live_[0-9a-zA-Z]{20,}/g },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'bearer-token', pattern: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/g, group: 1 },
  {
    kind: 'connection-string-password',
    pattern: /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver):\/\/[^:@\s/]+:([^@\s]+)@/gi,
    group: 1,
  },
  {
    // .env-style assignments whose (upper-case) name says secret: API_KEY=..., DB_PASSWORD: ..., export SECRET_TOKEN="..."
    kind: 'env-secret',
    pattern: /^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)[A-Z0-9_]*[ \t]*[=:][ \t]*["']?([^\s"'#]{4,})/gm,
    group: 1,
  },
  {
    // A quoted string assigned to a secret-named key in code or JSON: "password": "…", apiKey = '…'.
    // The quotes are required, so a type annotation such as `password: string` is left alone.
    kind: 'assigned-secret',
    pattern: /\b[\w-]*(?:password|passwd|secret|token|api_?key|apikey|private_?key|access_?key)["']?\s*[:=]\s*["']([^"'\s]{4,})["']/gi,
    group: 1,
  },
];

export interface Redaction {
  text: string;
  /** Secrets replaced, by format. */
  kinds: Record<string, number>;
  count: number;
}

/** Replaces every secret the known formats recognise with [REDACTED:kind]. */
export function redactSecrets(text: string): Redaction {
  const kinds: Record<string, number> = {};
  let out = text;
  for (const { kind, pattern, group = 0 } of FORMATS) {
    out = out.replace(pattern, (match: string, ...groups: unknown[]) => {
      const secret = group === 0 ? match : String(groups[group - 1] ?? '');
      if (!secret || secret.startsWith('[REDACTED:')) return match;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      return match.replace(secret, `[REDACTED:${kind}]`);
    });
  }
  return { text: out, kinds, count: Object.values(kinds).reduce((a, b) => a + b, 0) };
}

/** The formats recognised, for docs and tests. */
export const SECRET_KINDS: readonly string[] = FORMATS.map((f) => f.kind);
