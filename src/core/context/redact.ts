// Secrets are taken out of anything that goes to the cloud: each secret found becomes [REDACTED:kind], so the
// model still sees that something was there (and its kind). Two detectors: secretlint's maintained preset and our
// own rules for what it lacks (secretRules.ts). Local nodes get the text as it is: it does not leave the machine
// or the LAN, and so never waits for this.

import { ownSecretSpans, type SecretSpan } from './secretRules';
import { secretlintSpans } from './secretlintSpans';

export interface Redaction {
  text: string;
  /** Secrets replaced, by kind. */
  kinds: Record<string, number>;
  count: number;
}

/** Replaces every secret either detector finds with [REDACTED:kind]. */
export async function redactSecrets(text: string): Promise<Redaction> {
  if (!text) return { text, kinds: {}, count: 0 };
  return applySpans(text, [...(await secretlintSpans(text)), ...ownSecretSpans(text)]);
}

/** Overlapping finds are one secret, named by the longest of them. */
export function applySpans(text: string, spans: readonly SecretSpan[]): Redaction {
  const merged: SecretSpan[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = merged[merged.length - 1];
    if (last && s.start < last.end) {
      if (s.end - s.start > last.end - last.start) last.kind = s.kind;
      last.end = Math.max(last.end, s.end);
    } else merged.push({ ...s });
  }
  const kinds: Record<string, number> = {};
  let out = '';
  let at = 0;
  for (const s of merged) {
    out += `${text.slice(at, s.start)}[REDACTED:${s.kind}]`;
    at = s.end;
    kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  }
  return { text: out + text.slice(at), kinds, count: merged.length };
}
