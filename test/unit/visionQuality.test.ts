import { describe, expect, it } from 'vitest';
import { scoreVisionAnswer, DEFAULT_QUALITY_THRESHOLD } from '../../src/core/vision/quality';
import { extractedBlock, resolveMode, visionPrompt } from '../../src/core/vision/modes';
import { cloudImageTokens } from '../../src/core/vision/cloudTokens';

const ERROR_OCR = {
  text: "TypeError: Cannot read properties of undefined (reading 'map')\n    at renderList (src/components/TodoList.tsx:14:22)\n    at App (src/App.tsx:9:5)",
  confidence: 88,
};

describe('vision answer quality', () => {
  it('passes a specific answer that reflects the text in the image', () => {
    const q = scoreVisionAnswer({
      answer: "The TypeError says `renderList` calls `.map` on undefined in TodoList.tsx line 14: the todos prop is not set yet. Default it: `todos = []`.",
      ocr: ERROR_OCR,
    });
    expect(q.score).toBeGreaterThanOrEqual(DEFAULT_QUALITY_THRESHOLD);
    expect(q.issues).toEqual([]);
  });

  it('scores an empty answer 0', () => {
    expect(scoreVisionAnswer({ answer: '  ' })).toEqual({ score: 0, issues: ['empty'] });
  });

  it('recognises a refusal', () => {
    expect(scoreVisionAnswer({ answer: "I'm sorry, but I can't see images. Could you paste the text?" }).issues).toEqual(['refusal']);
  });

  it('fails a generic answer that could describe any screenshot', () => {
    const q = scoreVisionAnswer({ answer: 'The image shows a screenshot of a computer screen with some text.' });
    expect(q.issues).toContain('generic');
    expect(q.score).toBeLessThan(DEFAULT_QUALITY_THRESHOLD);
  });

  it('fails an answer that ignores the text OCR read', () => {
    const q = scoreVisionAnswer({ answer: 'A dark editor window with a sidebar on the left and a terminal panel below it, showing a build.', ocr: ERROR_OCR });
    expect(q.issues).toContain('ignores text');
    expect(q.score).toBeLessThan(DEFAULT_QUALITY_THRESHOLD);
  });

  it('fails an answer that names another error than the image shows', () => {
    const q = scoreVisionAnswer({ answer: 'This is a ReferenceError in renderList: TodoList.tsx uses a variable before declaring it.', ocr: ERROR_OCR });
    expect(q.issues).toContain('contradicts text');
    expect(q.score).toBeLessThanOrEqual(0.2);
  });

  it('fails an answer claiming there is no text when OCR read some', () => {
    expect(scoreVisionAnswer({ answer: 'The screenshot is a blank screen; there is no visible text in TodoList or renderList.', ocr: ERROR_OCR }).issues).toContain('contradicts text');
  });

  it('tolerates OCR misreading a letter in a long word', () => {
    const q = scoreVisionAnswer({ answer: 'renderList in TodoList.tsx maps over properties that are undefined.', ocr: { text: 'renderLlst TodoLlst.tsx propertles undeflned reading', confidence: 70 } });
    expect(q.textCoverage?.found).toBeGreaterThanOrEqual(q.textCoverage!.needed);
  });

  it('ignores OCR text read with low confidence (noise, not text)', () => {
    const q = scoreVisionAnswer({ answer: 'A bar chart comparing request latency across three nodes, alpha being slowest.', ocr: { text: 'lll ,,ii Wwww mmnn oooo', confidence: 20 } });
    expect(q.textCoverage).toBeUndefined();
    expect(q.score).toBe(1);
  });
});

describe('vision task modes', () => {
  it.each([
    ['Extract the code from this screenshot', '', 'extract'],
    ['why does this crash?', '', 'error'],
    ['describe this diagram', '', 'describe'],
    ['Explain this screenshot.', ERROR_OCR.text, 'error'],
    ['Explain this screenshot.', 'Settings  Save  Cancel', 'describe'],
    ['Which button saves the settings?', '', 'question'],
  ] as const)('"%s" is %s… mode', (question, ocr, mode) => {
    expect(resolveMode(question, ocr)).toBe(mode);
  });

  it('takes an explicit choice over the question', () => {
    expect(resolveMode('why does this crash?', '', 'extract')).toBe('extract');
  });

  it('puts the instruction, the OCR text and the question in the prompt', () => {
    const prompt = visionPrompt('question', 'Which button saves?', 'Save Cancel');
    expect(prompt).toMatch(/^Answer the question about the image/);
    expect(prompt).toContain('Text read from the image by OCR (may contain recognition errors):\nSave Cancel');
    expect(prompt).toMatch(/Question: Which button saves\?$/);
  });

  it('leaves a bare "explain this" out of the prompt', () => {
    expect(visionPrompt('describe', 'Explain this screenshot', '')).not.toContain('Question:');
  });

  it('fences extracted text with a fence longer than any backticks inside', () => {
    expect(extractedBlock('const a = `x`;\n```')).toBe('````text\nconst a = `x`;\n```\n````\n');
  });
});

describe('cloud image tokens', () => {
  it('follows the tile rule: 1024 × 1024 is 4 tiles after scaling to 768', () => {
    expect(cloudImageTokens(1024, 1024)).toBe(85 + 170 * 4);
  });

  it('scales a 4K screenshot down before counting tiles', () => {
    expect(cloudImageTokens(3840, 2160)).toBe(85 + 170 * 6);
  });

  it('counts a small image as one tile', () => {
    expect(cloudImageTokens(300, 200)).toBe(85 + 170);
  });
});
