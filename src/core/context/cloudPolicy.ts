// What may leave the machine. Applied by the pipeline to every cloud attempt (local and LAN nodes get
// the request as it is): files matching the never-send patterns are withheld, secrets are redacted,
// and a workspace in local-only mode sends nothing to the cloud at all.

import type { ChatMessage, ContextItem, PrivacyConfig } from '../types';
import { redactSecrets } from './redact';
import { isUsable, type CloudCredential } from '../providers/factory';

export const DEFAULT_NEVER_SEND: readonly string[] = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  'id_rsa*',
  'id_ed25519*',
  'id_ecdsa*',
  '*.p12',
  '*.pfx',
  '*.keystore',
  '*.jks',
  '.npmrc',
  '.netrc',
  '.pgpass',
  'credentials.json',
  'secrets.*',
  '.envrc',
  '*.env',
  '**/.aws/credentials',
  '**/.aws/config',
  '.git-credentials',
  '.pypirc',
  '*.tfvars',
  '*.tfvars.json',
  '*.tfstate',
  '**/.docker/config.json',
  '**/.kube/config',
  'kubeconfig',
  '*.kubeconfig',
];

export const DEFAULT_PRIVACY: PrivacyConfig = { localOnly: false, neverSend: [...DEFAULT_NEVER_SEND] };

/**
 * `*` and `?` stay within a path segment, `**` crosses segments, and a leading `**\/` also matches no folder at
 * all (`**\/.aws/credentials` is the workspace's own too). Hand-written: three rules do not merit a glob library.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (i === 0 && glob.startsWith('**/')) {
      re += '(?:.*/)?';
      i += 2;
    } else if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/**
 * A pattern without a slash matches the file name anywhere; with a slash, the workspace-relative path. The file
 * is matched, not its label: callers name items ".env (git diff HEAD)" or "src/a.ts:12" (a selection's line).
 */
export function isNeverSend(path: string, patterns: readonly string[]): boolean {
  const normalized = fileOfLabel(path).replace(/\\/g, '/');
  const name = normalized.split('/').pop() ?? normalized;
  return patterns.some((p) => globToRegExp(p).test(p.includes('/') ? normalized : name));
}

/** The file an item's path names: without a trailing " (note)" or ":line" / ":start-end". */
export function fileOfLabel(path: string): string {
  return path.replace(/ \([^()]*\)$/, '').replace(/:\d+(?:-\d+)?$/, '');
}

export interface CloudSafe {
  question: string;
  /** The caller's own system prompt (the endpoint's system and developer messages), if it gave one. */
  system?: string;
  history: ChatMessage[];
  toolTurns?: ChatMessage[];
  context: ContextItem[];
  /** Secrets replaced by [REDACTED:kind]. */
  redacted: number;
  /** Paths of attached files not sent because they match a never-send pattern. */
  withheld: string[];
}

/** The request as the cloud may see it: every text it carries redacted, the system prompt included. */
export async function forCloud(
  input: { question: string; history: readonly ChatMessage[]; toolTurns?: readonly ChatMessage[]; context: readonly ContextItem[]; system?: string },
  privacy: PrivacyConfig,
): Promise<CloudSafe> {
  let redacted = 0;
  const clean = async (text: string) => {
    const r = await redactSecrets(text);
    redacted += r.count;
    return r.text;
  };
  const withheld = input.context.filter((c) => isNeverSend(c.path, privacy.neverSend)).map((c) => c.path);
  const kept = input.context.filter((c) => !withheld.includes(c.path));
  // A call's arguments are JSON text; [REDACTED:kind] has no quote or backslash, so they stay valid JSON.
  const cleanTurn = async (m: ChatMessage): Promise<ChatMessage> => ({
    ...m,
    content: await clean(m.content),
    ...(m.toolCalls ? { toolCalls: await Promise.all(m.toolCalls.map(async (c) => ({ ...c, arguments: await clean(c.arguments) }))) } : {}),
  });
  const [question, system, history, toolTurns, context] = await Promise.all([
    clean(input.question),
    input.system === undefined ? undefined : clean(input.system),
    Promise.all(input.history.map(cleanTurn)),
    input.toolTurns && Promise.all(input.toolTurns.map(cleanTurn)),
    Promise.all(kept.map(async (c) => ({ ...c, text: await clean(c.text) }))),
  ]);
  return { question, ...(system === undefined ? {} : { system }), history, ...(toolTurns ? { toolTurns } : {}), context, redacted, withheld };
}

/**
 * Why nothing may go to the cloud now, or undefined when it may: the one answer to "may the cloud answer?"
 * (routing, escalation and the vision fallback all ask it).
 */
export function cloudRefusal(privacy: PrivacyConfig, credentials: readonly CloudCredential[]): { code: 'localOnly' | 'noKey'; message: string } | undefined {
  if (privacy.localOnly) return { code: 'localOnly', message: 'local-only mode is on for this workspace' };
  if (!credentials.some(isUsable)) return { code: 'noKey', message: 'no cloud provider has an API key (run "Singularity: Set Cloud API Key")' };
  return undefined;
}
