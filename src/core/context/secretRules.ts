// Our own secret formats: only those secretlint's recommended preset (secretlintSpans.ts) does not know, or
// knows in fewer shapes than real files hold (OpenAI keys without its marker, GitHub tokens in URLs). Each takes
// out a sample of test/fixtures/secretCorpus.ts that the preset leaves in (test/unit/redact.test.ts).

export interface SecretSpan {
  start: number;
  end: number;
  kind: string;
}

interface SecretRule {
  kind: string;
  /** The secret is the first capture group that matched, or the whole match when the pattern has none. */
  pattern: RegExp;
  /** A match the pattern cannot rule out by itself: a value that is code, or a hash named as one. */
  skip?: (secret: string, before: string) => boolean;
}

// A secret-named key: password, db_password, SMTP_PASS, spring.datasource.password, client_secret, apiKey…
const SECRET_NAME = String.raw`[\w.-]*(?:passw(?:or)?d|pass|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth[_-]?key|credentials?|signing[_-]?key|account[_-]?key|(?:encryption|master|hmac|jwt)[_-]?key)(?:[_-]?(?:key|base|value)){0,2}`;

const UNQUOTED = String.raw`[^\s"'#;,(){}\[\]]{4,}`;

/** Values that name a secret rather than hold one: `${VAR}`, `process.env.X`, `string;`, `None`. */
const REFERENCE = /^(?:\$|%\(|<|\{\{)|^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*[,;]?$|^(?:string|number|boolean|any|unknown|str|bytes|int|none|null|nil|undefined|true|false|required|optional|changeme|await|new|require|function|async|yield|self|this|\*+)[,;]?$/i;

const isReference = (secret: string) => REFERENCE.test(secret);

/** A 64-hex string after a word that says hash or checksum is one (lockfiles, SHA256SUMS), not a key. */
const SHA_CONTEXT = /(?:sha\d*|sum|hash|digest|integrity|commit|checksum|etag)["']?\s*[:=]?\s*["']?$/i;

const RULES: readonly SecretRule[] = [
  { kind: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/gd },
  { kind: 'openai-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/gd },
  { kind: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/gd },
  { kind: 'gitlab-token', pattern: /\bgl(?:pat|dt|rt|ptt|cbt|soat|ffct)-[A-Za-z0-9_-]{20,}/gd },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/gd },
  { kind: 'stripe-key', pattern: /\b(?:sk|rk)_live_[0-9a-zA-Z]{20,}/gd },
  { kind: 'twilio-key', pattern: /\b(?:AC|SK)[0-9a-f]{32}\b/gd },
  // Client("AC…", "…"): the auth token or API secret passed with a Twilio SID carries no name of its own.
  { kind: 'twilio-key', pattern: /\b(?:AC|SK)[0-9a-f]{32}["']?\s*,\s*["']([0-9A-Za-z]{32})["']/gd },
  { kind: 'huggingface-token', pattern: /\bhf_[A-Za-z]{34,}\b/gd },
  { kind: 'digitalocean-token', pattern: /\bdo[por]_v1_[0-9a-f]{64}\b/gd },
  {
    // Tokens whose prefix names the service: Mailgun, Mailchimp, Square, Databricks, Vault, age, Postman, Grafana,
    // New Relic, Doppler, Atlassian, Sentry; and Discord webhooks and Telegram bot tokens.
    kind: 'service-token',
    pattern: /\b(?:key-[0-9a-f]{32}|[0-9a-f]{32}-us\d{1,2}|sq0(?:atp|csp)-[\w-]{22,43}|dapi[0-9a-f]{32}|hv[sb]\.[\w-]{24,}|AGE-SECRET-KEY-1[0-9A-Z]{58}|PMAK-[0-9a-f]{24}-[0-9a-f]{34}|glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}|NRAK-[A-Z0-9]{27}|dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,}|ATATT3[\w=-]{50,}|sntry[su]_[\w=+/-]{40,}|\d{8,10}:AA[\w-]{33})\b|https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[\w-]{60,}/gd,
  },
  { kind: 'pypi-token', pattern: /\bpypi-AgE[A-Za-z0-9_-]{50,}/gd },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/gd },
  { kind: 'bearer-token', pattern: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/gd },
  { kind: 'basic-auth-header', pattern: /\bAuthorization["']?\s*[:=]\s*["']?Basic\s+([A-Za-z0-9+/]{8,}={0,2})/gid },
  {
    // Any scheme, including dialect+driver ones (mysql+pymysql://): user:password@host.
    kind: 'url-password',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^:@\s/"'`]+:([^@\s/"'`]+)@[\w.-]/gid,
    skip: isReference,
  },
  {
    // .env names in capitals may go on after the secret word: DB_PASSWORD_PROD=, GITHUB_TOKEN_RO=.
    kind: 'env-secret',
    pattern: /^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PWD|PASS|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)[A-Z0-9_]*[ \t]*=[ \t]*["']?([^\s"'#]{4,})/gmd,
    skip: isReference,
  },
  // ADO.NET and ODBC connection strings: Server=db;User Id=sa;Password=…;
  { kind: 'connection-string-password', pattern: /(?:^|[;"'])[ \t]*(?:Password|Pwd)=([^;"'\s]{3,})(?=;|"|'|$)/gimd, skip: isReference },
  { kind: 'azure-account-key', pattern: /\b(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/=]{20,})/gd },
  { kind: 'npmrc-auth', pattern: /(?:_authToken|_auth|_password)\s*=\s*["']?([^\s"']{8,})/gd, skip: isReference },
  { kind: 'netrc-password', pattern: /\b(?:machine\s+\S+|default)(?:\s+(?:login|account|port)\s+\S+)*\s+password\s+(\S+)/gd },
  { kind: 'docker-auth', pattern: /"(?:auth|identitytoken)"\s*:\s*"([A-Za-z0-9+/=]{12,})"/gd },
  {
    // Kubernetes Secret manifests: every value under `data:` is a base64 secret, whatever its key is called.
    kind: 'kubernetes-secret',
    pattern: /^(?:data|stringData):[ \t]*\n(?:(?<=^kind:[ \t]*Secret\b[\s\S]*)|(?=[\s\S]*^kind:[ \t]*Secret\b))((?:[ \t]+[\w.-]+:[ \t]*\S+[ \t]*(?:\n|$))+)/gmd,
  },
  { kind: 'hex-secret', pattern: /(?<![\w/#.:-])([0-9a-f]{64})(?![\w/.-])/gd, skip: (_secret, before) => SHA_CONTEXT.test(before) },
  {
    // Assignments to a secret-named key, quoted or not, in any case: .env, YAML, .properties, INI, kwargs.
    // An unquoted value counts only when it ends the line, as in .env, YAML and .properties files (not
    // "parseToken: nothing to do" in a message, nor `password = read(…)`), and not when it reads as code
    // (`password: string`, `${DB_PASSWORD}`, `config.password`).
    kind: 'assigned-secret',
    pattern: new RegExp(String.raw`(?<![\w.-])(?:export\s+)?(?:"${SECRET_NAME}"|'${SECRET_NAME}'|${SECRET_NAME})\]?[ \t]*[:=][ \t]*(?:"([^"\s]{4,})"|'([^'\s]{4,})'|(${UNQUOTED})(?=[ \t]*(?:#.*)?$))`, 'gimd'),
    skip: isReference,
  },
];

/** Where our own rules find secrets in text. */
export function ownSecretSpans(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const { kind, pattern, skip } of RULES) {
    for (const m of text.matchAll(pattern)) {
      const g = m.findIndex((v, i) => i > 0 && v !== undefined);
      const [start, end] = m.indices![g > 0 ? g : 0]!;
      if (skip?.(text.slice(start, end), text.slice(Math.max(0, start - 40), start))) continue;
      spans.push({ start, end, kind });
    }
  }
  return spans;
}

/** The formats our own rules recognise, for docs and tests. */
export const OWN_SECRET_KINDS: readonly string[] = [...new Set(RULES.map((r) => r.kind))];
