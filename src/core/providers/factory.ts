import type { CloudProviderConfig } from '../types';
import type { Target } from '../router/types';
import type { ChatProvider } from './types';
import { OllamaProvider } from './ollama';
import { OpenAICompatibleProvider } from './openai';

/** A cloud provider with the key it needs; keys come from SecretStorage or the environment, never from settings. */
export interface CloudCredential {
  config: CloudProviderConfig;
  apiKey: string | undefined;
}

/** Servers on this machine (LM Studio, vLLM, llama.cpp) usually take no key. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  } catch {
    return false;
  }
}

export function isUsable(c: CloudCredential): boolean {
  return !!c.apiKey || isLoopbackUrl(c.config.baseUrl);
}

export function providerFor(target: Target, credentials: readonly CloudCredential[]): ChatProvider {
  if (target.route !== 'cloud') return new OllamaProvider(target.node.baseUrl, target.node.name);
  const credential = credentials.find((c) => c.config.name === target.provider.name);
  // The SDK insists on a key string; keyless local servers ignore it.
  return new OpenAICompatibleProvider(target.provider.baseUrl, credential?.apiKey || 'no-key', target.provider.name);
}
