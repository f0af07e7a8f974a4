// How good a vision model's answer is, from what can be checked without another model: is there an
// answer, is it a refusal, is it specific or could it describe any picture, and — when OCR read text in
// the image — does it reflect that text and not contradict it. Pure; docs/MULTIMODALITY.md has its
// accuracy on a labelled set (bench/vision.ts).

export type QualityIssue = 'empty' | 'refusal' | 'generic' | 'ignores text' | 'contradicts text';

export interface VisionQuality {
  /** 0 (useless) to 1 (specific, consistent with the image's text). */
  score: number;
  issues: QualityIssue[];
  /** Distinctive words OCR read that the answer mentions, of those it was expected to mention. */
  textCoverage?: { found: number; needed: number };
}

/** Below this, an answer is replaced by the cloud's (singularity.vision.qualityThreshold). */
export const DEFAULT_QUALITY_THRESHOLD = 0.7;

/** OCR text counts as "the image holds text" with this many distinctive words at this mean confidence. */
const MIN_TEXT_WORDS = 4;
const MIN_OCR_CONFIDENCE = 50;

const REFUSAL =
  /\b(i('m| am) (unable|not able)|i can(no|')t (see|view|access|open|read|process|analy[sz]e)|cannot (see|view|read|access) (the |this |any )?(image|picture|screenshot|attachment)|as an ai\b|no image (was |is |has been )?(provided|attached|shared|included)|unable to (view|see|analy[sz]e|process) (the |this )?(image|picture|screenshot))/i;
const NO_TEXT_CLAIM = /\b(no (visible |legible |readable )?(text|code|words|writing)|(blank|empty) (image|screen|screenshot|page)|does not (contain|show|have) any (text|code))\b/i;
const ERROR_NAME = /\b([A-Z][A-Za-z]+(?:Error|Exception)|E[A-Z]{3,}\d*|TS\d{4})\b/g;

/** Words that fit any image: an answer made only of these says nothing about this one. */
const VAGUE = new Set(
  ('image picture screenshot screen shows showing shown displays displayed depicts contains appears seems there this that these those with some various ' +
    'several text code window application computer editor interface program software content information lines line elements element items item ' +
    'colors colour color background foreground white black dark light blue gray grey green which what where also have has from into about their ' +
    'they them looks like likely possibly probably maybe might could would should visible written different other more most many much very ' +
    'well just only here will been being were there part parts area areas section sections page top bottom left right side center middle ' +
    'several user users data file files value values number numbers function functions error errors message messages ' +
    // Keywords found in nearly every screenshot of code: matching them says nothing about this one.
    'const function return async await export import default class extends this else true false null undefined typeof ' +
    'string boolean promise require module static public private void self').split(' '),
);

/** Tokens worth matching: identifiers, numbers with letters, words of 4+ letters; lowercased. */
export function distinctiveWords(text: string): string[] {
  const words = text.match(/[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*|\d+[A-Za-z]\w*/g) ?? [];
  const out = new Set<string>();
  for (const w of words) {
    for (const part of w.split('.')) {
      const lower = part.toLowerCase();
      if (lower.length >= 4 && !VAGUE.has(lower)) out.add(lower);
    }
  }
  return [...out];
}

/** OCR misreads a character or two: a long word still counts when one edit away. */
function mentions(answerWords: ReadonlySet<string>, answerText: string, word: string): boolean {
  if (answerWords.has(word) || answerText.includes(word)) return true;
  if (word.length < 6) return false;
  for (const a of answerWords) if (Math.abs(a.length - word.length) <= 1 && withinOneEdit(a, word)) return true;
  return false;
}

function withinOneEdit(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

export interface ScoreInput {
  answer: string;
  /** What OCR read from the image(s), with its confidence; absent when OCR was off or failed. */
  ocr?: { text: string; confidence: number };
}

export function scoreVisionAnswer({ answer, ocr }: ScoreInput): VisionQuality {
  const text = answer.trim();
  if (text.length < 3) return { score: 0, issues: ['empty'] };
  if (REFUSAL.test(text) && text.length < 400) return { score: 0.05, issues: ['refusal'] };

  const issues: QualityIssue[] = [];
  let score = 1;
  const answerWords = new Set(distinctiveWords(text));
  const lower = text.toLowerCase();
  if (answerWords.size < 3) {
    issues.push('generic');
    score -= 0.45;
  }

  const ocrWords = ocr && ocr.confidence >= MIN_OCR_CONFIDENCE ? distinctiveWords(ocr.text) : [];
  let textCoverage: VisionQuality['textCoverage'];
  if (ocrWords.length >= MIN_TEXT_WORDS) {
    const needed = Math.min(3, Math.ceil(ocrWords.length * 0.1));
    const found = ocrWords.filter((w) => mentions(answerWords, lower, w)).length;
    textCoverage = { found, needed };
    if (found < needed) {
      issues.push('ignores text');
      // Half the expected words (1 of 2) falls below the default threshold; 2 of 3 stays above it.
      score -= 0.7 * (1 - found / needed);
    }
    if (NO_TEXT_CLAIM.test(text) || namesOtherError(text, ocr!.text)) {
      issues.push('contradicts text');
      score = Math.min(score, 0.2);
    }
  }
  return { score: Math.max(0, Math.min(1, score)), issues, ...(textCoverage ? { textCoverage } : {}) };
}

/** The answer names an error (TypeError, ENOENT, TS2345) that the image does not show, while the image shows another. */
function namesOtherError(answer: string, ocrText: string): boolean {
  const inImage = new Set([...ocrText.matchAll(ERROR_NAME)].map((m) => m[1]!.toLowerCase()));
  if (inImage.size === 0) return false;
  const named = [...answer.matchAll(ERROR_NAME)].map((m) => m[1]!.toLowerCase());
  return named.length > 0 && named.every((n) => !inImage.has(n));
}

/** One line for the user: why an answer was judged poor. */
export function describeQuality(q: VisionQuality): string {
  const detail = q.issues.length ? q.issues.join(', ') : 'ok';
  return `quality ${q.score.toFixed(2)} (${detail})`;
}
