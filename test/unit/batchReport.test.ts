import { describe, expect, it } from 'vitest';
import { batchReport } from '../../src/core/batch/report';
import type { BatchItem, BatchResult } from '../../src/core/batch/parallel';

const item = (title: string): BatchItem => ({ id: title, title, question: 'Explain', context: [], category: 'explainFiles' });

const results: BatchResult[] = [
  {
    item: item('src/a.ts'),
    outcome: 'ok',
    text: 'Parses the config.\n\n```ts\nparse();\n```\n',
    meta: { route: 'local', node: 'laptop', model: 'llama3.2:latest', ttftMs: 123.4 },
    attempts: 1,
    totalMs: 2_000,
  },
  {
    item: item('src/b.ts'),
    outcome: 'ok',
    text: 'Starts the server.',
    meta: { route: 'lan', node: 'tower', model: 'qwen2.5-coder:latest', ttftMs: 80 },
    attempts: 2,
    totalMs: 1_500,
  },
  {
    item: item('src/c.ts'),
    outcome: 'error',
    text: 'It begins by',
    meta: { route: 'lan', node: 'tower', model: 'llama3.2:latest' },
    error: 'The answer was cut off: connection lost. Ask again to retry.',
    attempts: 2,
    totalMs: 900,
  },
  { item: item('src/d.ts'), outcome: 'timeout', text: '', error: 'No answer within 120 s.', attempts: 1, totalMs: 120_000 },
  { item: item('src/e.ts'), outcome: 'cancelled', text: '', attempts: 0, totalMs: 0 },
];

describe('batchReport', () => {
  const report = batchReport('Explain Selected Files', results, { wallMs: 2_000, notes: ['Skipped big.json: 512 KB is over the 200 KB limit for a batch item.'] });

  it('starts with a header of totals: items, ok/failed, wall time and the sum of item times as a speedup', () => {
    const head = report.split('\n## ')[0]!;
    expect(head).toContain('# Explain Selected Files');
    expect(head).toContain('Items: 5 · ok: 2 · failed: 3 (1 error, 1 timed out, 1 cancelled)');
    expect(head).toContain('Wall time: 2.0 s');
    expect(head).toContain('Sum of item times: 2 min 4 s (parallel speedup ×62.2)');
    expect(head).toContain('- Skipped big.json: 512 KB is over the 200 KB limit');
  });

  it('has one section per item, in order, with route · node · model · TTFT · total time · attempts', () => {
    expect([...report.matchAll(/^## (.+)$/gm)].map((m) => m[1])).toEqual(['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts', 'src/e.ts']);
    expect(report).toContain('## src/a.ts\n\nlocal · laptop · llama3.2:latest · TTFT 123 ms · total 2.0 s · 1 attempt\n\nParses the config.\n\n```ts\nparse();\n```');
    expect(report).toContain('lan · tower · qwen2.5-coder:latest · TTFT 80 ms · total 1.5 s · 2 attempts\n\nStarts the server.');
  });

  it('shows the error instead of an answer, keeping a partial answer under it', () => {
    expect(report).toContain('**Failed**: The answer was cut off: connection lost. Ask again to retry.\n\nPartial answer:\n\nIt begins by');
    expect(report).toContain('## src/d.ts\n\ntotal 2 min 0 s · 1 attempt\n\n**Timed out**: No answer within 120 s.');
    expect(report).toContain('## src/e.ts\n\ntotal 0 ms · 0 attempts\n\n**Cancelled**: not started');
  });

  it('leaves the wall time and speedup out when the wall time is unknown, and ends with one newline', () => {
    const short = batchReport('T', [results[0]!]);
    expect(short).not.toContain('Wall time');
    expect(short).toContain('Sum of item times: 2.0 s\n');
    expect(short.endsWith('```\n')).toBe(true);
  });
});
