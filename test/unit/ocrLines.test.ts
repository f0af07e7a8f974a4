import { describe, expect, it } from 'vitest';
import { betterReading, lineCrop, replaceLines } from '../../src/core/vision/ocrLines';

describe('second reading of doubtful OCR lines', () => {
  it('crops a line with its margin, kept inside the image', () => {
    expect(lineCrop({ x0: 10, y0: 20, x1: 110, y1: 50 }, 4, 800, 600)).toEqual({ left: 6, top: 16, width: 108, height: 38 });
    expect(lineCrop({ x0: 2, y0: 1, x1: 798, y1: 599 }, 4, 800, 600)).toEqual({ left: 0, top: 0, width: 800, height: 600 });
  });

  it('keeps the second reading only when it is more confident and not empty', () => {
    const first = { text: '3)', confidence: 30, words: [30] };
    expect(betterReading(first, { text: '});', confidence: 69, words: [69] })).toMatchObject({ text: '});' });
    expect(betterReading(first, { text: 'Rk', confidence: 20, words: [20] })).toBe(first);
    expect(betterReading(first, { text: ' \n', confidence: 95, words: [] })).toBe(first);
  });

  it('replaces each line in place, never inside an earlier line that reads the same', () => {
    const page = 'if (x) {\ny();\n\ni\n\n* doc\n';
    const lines = [
      { from: 'if (x) {', to: 'if (x) {' },
      { from: 'y();', to: 'y();' },
      { from: 'i', to: '};' },
      { from: '* doc', to: '* doc' },
    ];
    expect(replaceLines(page, lines)).toBe('if (x) {\ny();\n\n};\n\n* doc\n');
  });
});
