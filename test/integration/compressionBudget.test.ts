// Compression's budget is a hard limit for any number of files, its chunk cache keeps every file of a large
// request warm, and a cold compression of 200k tokens lets the event loop run.
import { describe, expect, it } from 'vitest';
import { ask } from '../../src/core/pipeline';
import { ContextCompressor, contextTokens } from '../../src/core/context/compressor';
import { formatContext } from '../../src/core/context/format';
import { NODE_ANSWER_RESERVE } from '../../src/core/context/nodeContext';
import { TreeSitter } from '../../src/core/context/treeSitter';
import type { ContextItem } from '../../src/core/types';
import { largeTypeScript } from '../fixtures/codeSamples';
import { cloud, cloudOf, collect, endOf, input, nodeOf, ollama, setup } from './support';

/** `files` attached TypeScript modules of `functions` functions each (about 120 tokens a function). */
function attached(files: number, functions: number): ContextItem[] {
  const { text } = largeTypeScript(functions);
  return Array.from({ length: files }, (_, k) => ({ kind: 'file', path: `src/module${k}.ts`, language: 'typescript', text: `// module ${k}\n${text}`, origin: 'mention' }));
}

const question = 'What does parseHeader do with an empty input?';

/**
 * The longest gap between ticks of a 1 ms timer: how long the event loop was blocked at a time. (perf_hooks'
 * monitorEventLoopDelay reads nothing in vitest's worker threads; the benchmark uses it.)
 */
function longestStall(): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(longest, performance.now() - last);
    },
  };
}

describe('the compression budget', () => {
  it('never sends more than the budget for 120 attached files, and names the files left out whole', async () => {
    const items = attached(120, 6);
    const { items: sent, report } = await new ContextCompressor().compress(question, items, { budgetTokens: 6000, hardLimitTokens: 6000, threshold: 0.1 });
    expect(contextTokens(items)).toBeGreaterThan(50_000);
    expect(report.tokensAfter).toBeLessThanOrEqual(6000);
    expect(Math.ceil(formatContext(sent, Number.POSITIVE_INFINITY).text.length / 4)).toBe(report.tokensAfter);
    expect(report.leftOut!.length).toBeGreaterThan(0);
    expect([...sent.map((i) => i.path), ...report.leftOut!].sort()).toEqual(items.map((i) => i.path).sort());
    expect(report.notes.join('\n')).toMatch(/attached files left out whole: not even the best part fits the 6000-token budget/);
  });

  it('keeps what a cloud request over 120 files carries within the budget setting, the coverage gate included', async () => {
    const api = await cloud();
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] }, { context: { budgetTokens: 6000 } });
    const report = endOf(await collect(ask(input({ question, context: attached(120, 6) }), deps))).meta!.context!;
    expect(report.tokensBefore).toBeGreaterThan(50_000);
    expect(report.tokensAfter).toBeLessThanOrEqual(6000);
    expect(report.leftOut!.length).toBeGreaterThan(0);
  });

  it("keeps a node request at 200k tokens within its window's budget, so nothing is cut afterwards", async () => {
    const node = await ollama();
    const windowTokens = 16_384;
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] }, { context: { nodeContextTokens: windowTokens } });
    const items = attached(50, 34);
    expect(contextTokens(items)).toBeGreaterThan(200_000);
    const result = endOf(await collect(ask(input({ question, context: items }), deps)));
    const report = result.meta!.context!;
    expect(report.tokensAfter).toBeLessThanOrEqual(report.budgetTokens);
    expect(report.budgetTokens).toBeLessThan(windowTokens - NODE_ANSWER_RESERVE);
    const body = node.requests.filter((r) => r.path === '/api/chat').at(-1)!.body as { messages: { content: string }[]; options: { num_ctx?: number } };
    expect(body.messages.at(-1)!.content).not.toMatch(/characters cut: context too large/);
    expect(body.options.num_ctx).toBeLessThanOrEqual(windowTokens);
  });
});

describe('the chunk cache', () => {
  it('keeps more than 64 files warm: a second question over 100 files parses none again', async () => {
    const compressor = new ContextCompressor();
    const items = attached(100, 4);
    const options = { budgetTokens: 3000, threshold: 0.1 };
    expect((await compressor.compress(question, items, options)).report.itemsParsed).toBe(100);
    expect((await compressor.compress('How is a Token formatted?', items, options)).report.itemsParsed).toBe(0);
  });
});

describe('a cold compression', () => {
  it('of 200k tokens never blocks the event loop for 50 ms', async () => {
    const treeSitter = new TreeSitter();
    // The grammar loads once per process, before any question: not part of a question's compression.
    await treeSitter.parser('typescript');
    const items = attached(50, 34);
    const stall = longestStall();
    const { report } = await new ContextCompressor({ treeSitter }).compress(question, items, { budgetTokens: 14_000, threshold: 0.1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(report.itemsParsed).toBe(50);
    expect(stall.stop()).toBeLessThan(50);
    treeSitter.releaseTrees();
  });
});
