import type { CloudProviderConfig, NodeConfig } from '../types';
import type { ChatProvider } from './types';
import { OllamaEmbedder, OllamaProvider } from './ollama';
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

/** Vectors for texts from one embedding model on one server. */
export interface EmbeddingProvider {
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

/** How the pipeline gets a provider for a node or a cloud; tests and the CLI use these defaults. */
export interface ProviderFactory {
  node(node: NodeConfig): ChatProvider;
  embedder(node: NodeConfig, model: string): EmbeddingProvider;
  cloud(provider: CloudProviderConfig, credentials: readonly CloudCredential[]): ChatProvider;
}

export const defaultProviders: ProviderFactory = {
  node: (node) => new OllamaProvider(node.baseUrl, node.name),
  embedder: (node, model) => new OllamaEmbedder(node.baseUrl, model),
  cloud(provider, credentials) {
    const credential = credentials.find((c) => c.config.name === provider.name);
    // The SDK insists on a key string; keyless local servers ignore it.
    return new OpenAICompatibleProvider(provider.baseUrl, credential?.apiKey || 'no-key', provider.name);
  },
};
