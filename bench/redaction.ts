// Cost and coverage of redaction before a cloud call. Side by side in one run, alternating, on the same text:
// secretlint's recommended preset, our own rules, and the two together as redactSecrets runs them. Text: a
// large TypeScript file (ordinary code, what most context is) and the secret corpus of test/fixtures. Also the
// one-time cost of loading secretlint (paid at the first cloud call of a session, never by node-only ones) and
// how many of the corpus's secrets each detector alone takes out. Prints the figures and writes
// bench/results/redaction.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applySpans, redactSecrets } from '../src/core/context/redact';
import { ownSecretSpans, type SecretSpan } from '../src/core/context/secretRules';
import { secretlintSpans } from '../src/core/context/secretlintSpans';
import { largeTypeScript } from '../test/fixtures/codeSamples';
import { NOT_SECRETS, SECRET_CORPUS } from '../test/fixtures/secretCorpus';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

const detectors: Record<string, (text: string) => Promise<unknown>> = {
  secretlint: secretlintSpans,
  ownRules: async (text) => ownSecretSpans(text),
  both: redactSecrets,
};

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function msPerKb(texts: Record<string, string>) {
  const samples: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [textName, text] of Object.entries(texts)) {
      for (const [name, detect] of Object.entries(detectors)) {
        const t = performance.now();
        await detect(text);
        ((samples[textName] ??= {})[name] ??= []).push((performance.now() - t) / (Buffer.byteLength(text) / 1024));
      }
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([t, byName]) => [t, Object.fromEntries(Object.entries(byName).map(([n, s]) => [n, Math.round(median(s) * 1000) / 1000]))]));
}

async function coverage(spans: (text: string) => Promise<SecretSpan[]>) {
  let redacted = 0;
  for (const { text, secret } of SECRET_CORPUS) if (!applySpans(text, await spans(text)).text.includes(secret)) redacted++;
  let falsePositives = 0;
  for (const { text } of NOT_SECRETS) if ((await spans(text)).length > 0) falsePositives++;
  return { redacted, of: SECRET_CORPUS.length, falsePositives, ofOrdinary: NOT_SECRETS.length };
}

async function main() {
  const load = performance.now();
  await secretlintSpans('warm-up');
  const loadMs = Math.round((performance.now() - load) * 10) / 10;
  const code = largeTypeScript(60).text;
  const corpus = SECRET_CORPUS.map((s) => s.text).join('\n\n');
  const result = {
    rounds: ROUNDS,
    secretlintLoadMs: loadMs,
    sizesKb: { code: Math.round(Buffer.byteLength(code) / 102.4) / 10, corpus: Math.round(Buffer.byteLength(corpus) / 102.4) / 10 },
    msPerKb: await msPerKb({ code, corpus }),
    coverage: {
      secretlint: await coverage(secretlintSpans),
      ownRules: await coverage(async (t) => ownSecretSpans(t)),
      both: await coverage(async (t) => [...(await secretlintSpans(t)), ...ownSecretSpans(t)]),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(join('bench', 'results', 'redaction.json'), `${JSON.stringify(result, null, 2)}\n`);
}

void main();
