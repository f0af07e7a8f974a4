import { describe, expect, it } from 'vitest';
import { isDashboardMessage, isWebviewMessage } from '../../src/shared/protocol';

describe('messages from the chat webview', () => {
  it('accepts every message of the protocol', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'ask', text: 'hi', includeContext: true },
      { type: 'stop', requestId: 'r1' },
      { type: 'newChat' },
      { type: 'copy', text: 'code' },
      { type: 'copy', text: 'code', requestId: 'r1' },
      { type: 'insert', text: 'code', requestId: 'r1' },
      { type: 'apply', text: 'code', requestId: 'r1' },
      { type: 'feedback', requestId: 'r1', value: -1, reason: 'wrong API' },
      { type: 'reroute', requestId: 'r1' },
      { type: 'regenerate', requestId: 'r1' },
      { type: 'fileQuery', query: 'src' },
      { type: 'mentionPicked', path: 'src/app.ts' },
      { type: 'chunkAction', requestId: 'r1', action: 'pin', chunk: { path: 'a.ts', startLine: 0, endLine: 4 } },
      { type: 'listConversations', query: '' },
      { type: 'conversationAction', action: 'open', id: 'c1' },
      { type: 'conversationAction', action: 'rename', id: 'c1' },
      { type: 'conversationAction', action: 'delete', id: 'c1' },
    ]) {
      expect(isWebviewMessage(m)).toBe(true);
    }
  });

  it('drops anything else: unknown types, wrong field types, oversized text, non-objects', () => {
    for (const m of [
      null,
      'ask',
      { type: 'eval', code: 'x' },
      { type: 'ask', text: 42, includeContext: true },
      { type: 'ask', text: 'hi' },
      { type: 'stop' },
      { type: 'copy', text: 'x'.repeat(1_000_001) },
      { type: 'fileQuery', query: 'x'.repeat(501) },
      { type: 'mentionPicked', path: 42 },
      { type: 'insert', text: 'code' },
      { type: 'apply', text: 'code' },
      { type: 'feedback', requestId: 'r1', value: 0 },
      { type: 'feedback', requestId: 'r1', value: -1, reason: 'x'.repeat(2001) },
      { type: 'regenerate' },
      { type: 'chunkAction', requestId: 'r1', action: 'delete', chunk: { path: 'a.ts', startLine: 0, endLine: 4 } },
      { type: 'listConversations', query: 'x'.repeat(501) },
      { type: 'conversationAction', action: 'archive', id: 'c1' },
      { type: 'conversationAction', action: 'open' },
      { type: 'chunkAction', requestId: 'r1', action: 'expand', chunk: { path: 'a.ts', startLine: 4, endLine: 4 } },
      { type: 'chunkAction', requestId: 'r1', action: 'expand', chunk: { path: 'a.ts', startLine: -1, endLine: 4 } },
    ]) {
      expect(isWebviewMessage(m)).toBe(false);
    }
  });
});

describe('messages from the dashboard webview', () => {
  it('accepts ready, a known period and a known export format', () => {
    expect(isDashboardMessage({ type: 'ready' })).toBe(true);
    expect(isDashboardMessage({ type: 'setPeriod', period: '30d' })).toBe(true);
    expect(isDashboardMessage({ type: 'export', format: 'csv' })).toBe(true);
  });

  it('drops unknown periods and formats', () => {
    expect(isDashboardMessage({ type: 'setPeriod', period: '1y' })).toBe(false);
    expect(isDashboardMessage({ type: 'export', format: 'xlsx' })).toBe(false);
    expect(isDashboardMessage({ type: 'export', format: '../../etc/passwd' })).toBe(false);
  });
});
