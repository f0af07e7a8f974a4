import { describe, expect, it } from 'vitest';
import { settledBoundary } from '../../webview/chat/incremental';

describe('incremental rendering cut points', () => {
  it('cuts after the last blank line', () => {
    const text = 'First paragraph.\n\nSecond paragraph.\n\nThird, still';
    expect(text.slice(settledBoundary(text, 0))).toBe('Third, still');
  });

  it('never cuts inside an open code fence, even at a blank line', () => {
    const text = 'Intro.\n\n```ts\nconst a = 1;\n\nconst b = 2;\n';
    expect(settledBoundary(text, 0)).toBe('Intro.\n\n'.length);
  });

  it('cuts right after a closing fence', () => {
    const text = '```py\nx = 1\n\ny = 2\n```\nAfter';
    expect(text.slice(settledBoundary(text, 0))).toBe('After');
  });

  it('closes a fence only with the same marker, at least as long', () => {
    const text = '````md\n```\ninner\n```\n\nstill inside\n````\n';
    expect(settledBoundary(text, 0)).toBe(text.length);
    expect(settledBoundary(text.slice(0, text.indexOf('still')), 0)).toBe(0);
  });

  it('does not count the line still being written', () => {
    expect(settledBoundary('one\n\ntwo\n\n', 0)).toBe(10);
    expect(settledBoundary('one\n\ntwo', 0)).toBe(5);
  });

  it('continues from an earlier cut', () => {
    const text = 'a\n\nb\n\nc';
    expect(settledBoundary(text, 3)).toBe(6);
    expect(settledBoundary(text, 6)).toBe(6);
  });
});
