import { describe, expect, it } from 'vitest';
import { anthropicBaseUrl, clientEnvironment } from '../../src/core/proxy/clientSetup';

const url = 'http://127.0.0.1:8642/v1';
const key = 'sk-singularity-abc';

describe('client environment for "Copy Endpoint URL and Key"', () => {
  it('gives OpenAI clients the /v1 base URL and the key', () => {
    expect(clientEnvironment('openai', url, key)).toBe('OPENAI_BASE_URL=http://127.0.0.1:8642/v1\nOPENAI_API_KEY=sk-singularity-abc');
  });

  it('gives Anthropic clients the origin (they append /v1/messages), the key as a bearer token, and the routed model for every Claude Code request', () => {
    expect(clientEnvironment('anthropic', url, key)).toBe(
      'ANTHROPIC_BASE_URL=http://127.0.0.1:8642\nANTHROPIC_AUTH_TOKEN=sk-singularity-abc\nANTHROPIC_MODEL=singularity/auto\nANTHROPIC_DEFAULT_HAIKU_MODEL=singularity/auto',
    );
  });

  it('keeps an IPv6 host in brackets in the Anthropic base URL', () => {
    expect(anthropicBaseUrl('http://[::1]:9000/v1')).toBe('http://[::1]:9000');
  });
});
