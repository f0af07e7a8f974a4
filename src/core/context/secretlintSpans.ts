// Secrets found by secretlint's recommended preset: a maintained rule set (AWS, GCP, GitHub, npm, Slack,
// SendGrid, Shopify, Azure, OpenAI, private keys, basic auth…). Loaded on first use, so a session whose
// requests all stay on nodes never pays for it.

import type { lintSource as LintSource } from '@secretlint/core';
import type { SecretSpan } from './secretRules';

type Lint = (text: string) => Promise<SecretSpan[]>;
let lint: Promise<Lint> | undefined;

/** Our kind names where we had one before, so placeholders read the same whichever rule set found the secret. */
const KIND_OF_RULE: Readonly<Record<string, string>> = {
  openai: 'openai-key',
  github: 'github-token',
  slack: 'slack-token',
  privatekey: 'private-key',
  gcp: 'google-api-key',
  aws: 'aws-key',
  basicauth: 'url-password',
};

export function secretlintSpans(text: string): Promise<SecretSpan[]> {
  lint ??= load();
  return lint.then((run) => run(text));
}

async function load(): Promise<Lint> {
  const [{ lintSource }, { creator }] = await Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]);
  // The preset's rules one by one, so that two can be set: secretlint 10 ignores `disabled` inside a preset.
  // A file's own `secretlint-disable` comments must not let its secrets out: the filter-comments rule is left out.
  // AWS access key ids are found only when asked for (enableIDScanRule); an id names the key its secret unlocks.
  const options: Record<string, object> = { '@secretlint/secretlint-rule-aws': { enableIDScanRule: true } };
  const rules = creator.rules
    .filter((rule) => rule.meta.id !== '@secretlint/secretlint-rule-filter-comments')
    .map((rule) => ({ id: rule.meta.id, rule, ...(options[rule.meta.id] ? { options: options[rule.meta.id] } : {}) }));
  const config: Parameters<typeof LintSource>[0]['options']['config'] = { rules };
  return async (content) => {
    const result = await lintSource({ source: { content, filePath: '/context.txt', contentType: 'text' }, options: { config, noPhysicFilePath: true } });
    return result.messages.map((m) => {
      const rule = m.ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
      return { start: m.range[0], end: m.range[1], kind: KIND_OF_RULE[rule] ?? rule };
    });
  };
}
