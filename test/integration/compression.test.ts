// Context compression in the request pipeline: cloud attempts get the compressed context (recorded and
// counted as saved), nodes get it whole, embeddings come from a node's /api/embed and are cached.
import { describe, expect, it } from 'vitest';
import { ask } from '../../src/core/pipeline';
import { dashboardData } from '../../src/core/metrics/dashboard';
import { ContextCompressor } from '../../src/core/context/compressor';
import { prepareCloudContext } from '../../src/core/context/cloudContext';
import { prepareNodeContext } from '../../src/core/context/nodeContext';
import { embeddingSimilarities } from '../../src/core/context/embeddings';
import { OllamaEmbedder } from '../../src/core/providers/ollama';
import { StoreEmbeddingCache } from '../../src/core/store/embeddingCache';
import { Store } from '../../src/core/store/db';
import { ChunkAnalyzer } from '../../src/core/context/analyze';
import { Chunker } from '../../src/core/context/chunker';
import { TreeSitter } from '../../src/core/context/treeSitter';
import type { ContextItem } from '../../src/core/types';
import { cloud, cloudOf, collect, endOf, input, nodeOf, ollama, setup } from './support';
import { largeTypeScript } from '../fixtures/codeSamples';

const { text, names } = largeTypeScript(80);
const big: ContextItem = { kind: 'file', path: 'src/big.ts', language: 'typescript', text, origin: 'active' };
const question = `What does ${names[42]} do with an empty input?`;
const userMessage = (body: unknown) => {
  const messages = (body as { messages: { role: string; content: string }[] }).messages;
  return messages.at(-1)!.content;
};

describe('context compression in the pipeline', () => {
  it('sends the cloud the compressed context, reports it on the answer and records the tokens saved', async () => {
    const api = await cloud();
    const { deps, store } = await setup({ cloudProviders: [cloudOf(api)] }, { context: { budgetTokens: 1500 } });
    const events = await collect(ask(input({ question, context: [big] }), deps));
    const sent = userMessage(api.requests.at(-1)!.body);
    expect(sent).toContain(`export function ${names[42]}(`);
    expect(sent).toMatch(/\/\/ \.\.\. \d+ lines omitted \.\.\./);
    expect(sent).not.toContain(`export function ${names[5]}(`);
    const report = endOf(events).meta!.context!;
    expect(report).toMatchObject({ compressed: true, relevance: 'lexical' });
    expect(report.tokensBefore).toBeGreaterThan(4 * report.tokensAfter);
    const routed = events.find((e) => e.type === 'routed');
    expect(routed?.type === 'routed' && routed.meta.context?.tokensAfter).toBe(report.tokensAfter);
    const row = (await store.query<{ before: number; after: number }>('SELECT context_tokens_before AS before, context_tokens_after AS after FROM requests'))[0]!;
    expect(row).toEqual({ before: report.tokensBefore, after: report.tokensAfter });
    const dashboard = await dashboardData(store, { period: 'today', now: Date.now(), prices: { inputPerMillion: 2, outputPerMillion: 10 } });
    expect(dashboard.compression).toMatchObject({ available: true, requests: 1, tokensBefore: report.tokensBefore, tokensAfter: report.tokensAfter });
    expect(dashboard.headline.cloudTokensSaved).toBe(report.tokensBefore - report.tokensAfter);
  });

  it('does not parse again, when the question comes, a file parsed ahead as the cloud would get it (secrets redacted)', async () => {
    const api = await cloud();
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] }, { context: { budgetTokens: 1500 } });
    const withSecret: ContextItem = { ...big, text: `${text}\nexport const token = 'sk-proj-${'a'.repeat(40)}';\n` };
    expect(await prepareCloudContext([withSecret], deps.privacy(), deps.context!)).toMatchObject({ parsed: 1 });
    const report = endOf(await collect(ask(input({ question, context: [withSecret] }), deps))).meta!.context!;
    expect(report).toMatchObject({ compressed: true, itemsParsed: 0 });
    expect(userMessage(api.requests.at(-1)!.body)).not.toContain('sk-proj-');
  });

  it('parses nothing ahead in local-only mode, with compression off, or for a context within the budget', async () => {
    const { deps } = await setup({}, { context: { budgetTokens: 1500 } });
    const { deps: off } = await setup({}, { context: { compression: false } });
    const small: ContextItem = { ...big, text: 'export const x = 1;\n' };
    expect(await prepareCloudContext([big], { ...deps.privacy(), localOnly: true }, deps.context!)).toBeUndefined();
    expect(await prepareCloudContext([big], off.privacy(), off.context!)).toBeUndefined();
    expect(await prepareCloudContext([small], deps.privacy(), deps.context!)).toBeUndefined();
    expect(await prepareCloudContext([big], deps.privacy(), deps.context!)).toMatchObject({ parsed: 1 });
  });

  it('gives a node the whole context', async () => {
    const node = await ollama();
    const { deps, store } = await setup({ nodes: [nodeOf(node, 'laptop')] }, { context: { budgetTokens: 1500 } });
    const result = endOf(await collect(ask(input({ question, context: [big] }), deps)));
    expect(userMessage(node.requests.filter((r) => r.path === '/api/chat').at(-1)!.body)).toContain(text.trim());
    expect(result.meta?.context).toBeUndefined();
    expect(await store.query('SELECT context_tokens_before FROM requests WHERE context_tokens_before IS NOT NULL')).toEqual([]);
  });

  it('asks the node for a window that holds a prompt over Ollama\'s default (num_ctx), and for none while the default holds it', async () => {
    const node = await ollama();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] }, { context: {} });
    const chat = () => node.requests.filter((r) => r.path === '/api/chat').at(-1)!.body as { options: { num_ctx?: number } };
    await collect(ask(input({ question: 'What is a closure?' }), deps));
    expect(chat().options.num_ctx).toBeUndefined();
    await collect(ask(input({ question, context: [big] }), deps));
    expect(chat().options.num_ctx).toBe(16_384);
  });

  it('keeps asking a node\'s model for the larger window once it was raised: a smaller one would make Ollama reload the model', async () => {
    const node = await ollama();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] }, { context: {} });
    const chat = () => node.requests.filter((r) => r.path === '/api/chat').at(-1)!.body as { options: { num_ctx?: number } };
    await collect(ask(input({ question, context: [big] }), deps));
    await collect(ask(input({ question: 'What is a closure?' }), deps));
    expect(chat().options.num_ctx).toBe(16_384);
  });

  it('compresses the context for a node whose window would not hold it, says so under the answer, and counts no cloud tokens saved', async () => {
    const node = await ollama();
    const { deps, store } = await setup({ nodes: [nodeOf(node, 'laptop')] }, { context: { nodeContextTokens: 4096 } });
    const result = endOf(await collect(ask(input({ question, context: [big] }), deps)));
    const sent = userMessage(node.requests.filter((r) => r.path === '/api/chat').at(-1)!.body);
    expect(sent).toContain(`export function ${names[42]}(`);
    expect(sent).toMatch(/\/\/ \.\.\. \d+ lines omitted \.\.\./);
    expect(sent.length / 4).toBeLessThan(4096 - 2048);
    expect(result.meta).toMatchObject({ route: 'local', context: { compressed: true } });
    expect(await store.query('SELECT context_tokens_before FROM requests WHERE context_tokens_before IS NOT NULL')).toEqual([]);
  });

  it('parses ahead a context a node\'s window would not hold, so the node question does not parse it again', async () => {
    const node = await ollama();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] }, { context: { nodeContextTokens: 4096 } });
    expect(await prepareNodeContext([big], deps.context!)).toMatchObject({ parsed: 1 });
    const report = endOf(await collect(ask(input({ question, context: [big] }), deps))).meta!.context!;
    expect(report).toMatchObject({ compressed: true, itemsParsed: 0 });
  });

  it('parses nothing ahead for a node whose window holds the context', async () => {
    const { deps } = await setup({}, { context: {} });
    expect(await prepareNodeContext([big], deps.context!)).toBeUndefined();
  });

  it('sends the cloud the whole context when compression is off', async () => {
    const api = await cloud();
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] }, { context: { compression: false } });
    await collect(ask(input({ question, context: [big] }), deps));
    expect(userMessage(api.requests.at(-1)!.body)).toContain(text.trim());
  });

  it('ranks with embeddings from a node that serves the embedding model', async () => {
    const node = await ollama({ models: ['llama3.2:latest', 'nomic-embed-text:latest'] });
    const api = await cloud();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] }, { context: { budgetTokens: 1500, embeddingModel: 'nomic-embed-text' } });
    const result = endOf(await collect(ask(input({ question, context: [big], route: 'cloud' }), deps)));
    expect(result.meta?.context?.relevance).toBe('lexical+embeddings');
    expect(node.requests.some((r) => r.path === '/api/embed')).toBe(true);
  });

  it('takes embeddings through the node pool: a node that stopped answering counts a fault, another that serves the model embeds', async () => {
    const gone = await ollama({ models: ['nomic-embed-text:latest'] });
    const node = await ollama({ models: ['llama3.2:latest', 'nomic-embed-text:latest'] });
    const api = await cloud();
    // Round-robin over two unused nodes takes the first listed: the one that is gone.
    const { deps, pool } = await setup(
      { nodes: [nodeOf(gone, 'gone'), nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] },
      { context: { budgetTokens: 1500, embeddingModel: 'nomic-embed-text' }, balancer: { strategy: 'round-robin', failureThreshold: 1 } },
    );
    await gone.close();
    const result = endOf(await collect(ask(input({ question, context: [big], route: 'cloud' }), deps)));
    expect(result.meta?.context?.relevance).toBe('lexical+embeddings');
    expect(node.requests.some((r) => r.path === '/api/embed')).toBe(true);
    expect(pool.load().find((n) => n.name === 'gone')?.breaker).toMatch(/cooling down/);
  });

  it('goes on with lexical relevance, and says so, when the embedding node does not answer', async () => {
    const compressor = new ContextCompressor();
    const embedder = new OllamaEmbedder('http://127.0.0.1:9', 'nomic-embed-text');
    const { report } = await compressor.compress(question, [big], { budgetTokens: 1500, threshold: 0.1, embedder });
    expect(report.relevance).toBe('lexical');
    expect(report.notes.join()).toMatch(/embeddings unavailable/);
  });
});

describe('embedding cache', () => {
  it('embeds each chunk once: a second look at the same file embeds only the question', async () => {
    const node = await ollama({ models: ['nomic-embed-text:latest'] });
    const { store } = await Store.open();
    const cache = new StoreEmbeddingCache(store);
    const chunks = await new ChunkAnalyzer(new Chunker(new TreeSitter())).analyze([big]);
    const embedder = new OllamaEmbedder(node.url, 'nomic-embed-text');
    const first = await embeddingSimilarities(embedder, cache, question, chunks);
    const second = await embeddingSimilarities(embedder, cache, question, chunks);
    expect(second).toEqual(first);
    const inputs = node.requests.filter((r) => r.path === '/api/embed').map((r) => (r.body as { input: string[] }).input.length);
    expect(inputs.reduce((a, b) => a + b, 0)).toBe(1 + chunks.length + 1);
    expect(inputs.at(-1)).toBe(1);
    await store.close();
  });
});
