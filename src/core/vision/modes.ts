// What the user wants from an image: explain an error, describe a diagram or UI, extract its text, or
// answer their own question. Chosen explicitly (panel selector, --mode) or from the question and the
// text OCR found; each mode has the instruction a small vision model needs.

import type { VisionMode } from '../../shared/vision';

export type ResolvedMode = Exclude<VisionMode, 'auto'> | 'question';

const EXTRACT = /\b(extract|transcribe|ocr|copy (the |all )?(text|code)|(text|code) (from|in|of) (the |this )?(image|screenshot|picture)|read (out )?(the )?(text|code)|as (plain )?text)\b/i;
const ERROR = /\b(error|exception|stack ?trace|traceback|crash(es|ed)?|fail(s|ed|ing|ure)?|panic|segfault|warning|won'?t (compile|build|run)|fix (this|it))\b/i;
const DESCRIBE = /\b(describe|diagram|ui|layout|mock-?up|wireframe|chart|graph|flow ?chart|architecture|what (is|does) (this|it) (show|look like))\b/i;
/** Questions that say nothing beyond "look at this". */
const GENERIC_QUESTION = /^\s*(explain|what is|what's|look at|analy[sz]e|help( with)?|check)?\s*(this|the|that)?\s*(screenshot|image|picture|screen|pic)?\s*[.?!]*\s*$/i;
/** Text that marks a screenshot as an error report. */
const ERROR_TEXT = /\b([A-Z][A-Za-z]*(Error|Exception)|Traceback|panic:|FATAL|E[A-Z]{3,}\b|error( TS\d+)?:|failed|Uncaught)/;

/** The mode for this request: an explicit choice wins; then the question's words; a bare "explain this" follows the image's text. */
export function resolveMode(question: string, ocrText: string, explicit: VisionMode = 'auto'): ResolvedMode {
  return modeOfQuestion(question, explicit) ?? (ERROR_TEXT.test(ocrText) ? 'error' : 'describe');
}

/** The mode when the choice or the question's words say it; undefined for a bare "explain this", whose mode the image's text decides. */
export function modeOfQuestion(question: string, explicit: VisionMode = 'auto'): ResolvedMode | undefined {
  if (explicit !== 'auto') return explicit;
  if (EXTRACT.test(question)) return 'extract';
  if (ERROR.test(question)) return 'error';
  if (DESCRIBE.test(question)) return 'describe';
  if (GENERIC_QUESTION.test(question)) return undefined;
  return 'question';
}

const INSTRUCTIONS: Record<ResolvedMode, string> = {
  error: 'The image is a screenshot of an error. Quote the error message, say what causes it, and how to fix it.',
  describe: 'Describe what the image shows. For a diagram: its parts and how they connect. For a user interface: its layout and controls. Quote the labels you see.',
  extract: 'Transcribe all text and code in the image exactly, line by line.',
  question: 'Answer the question about the image. Be specific and quote what you see.',
};

/** OCR text beyond this is cut: Moondream's context is 2048 tokens, and the image takes 729 of them. */
const MAX_OCR_CHARS = 1500;

/** The user message for a vision model: the mode's instruction, the text OCR read (when any), the user's question. */
export function visionPrompt(mode: ResolvedMode, question: string, ocrText: string): string {
  const parts = [INSTRUCTIONS[mode]];
  const text = ocrText.trim();
  if (text) parts.push(`Text read from the image by OCR (may contain recognition errors):\n${text.slice(0, MAX_OCR_CHARS)}`);
  if (question.trim() && !GENERIC_QUESTION.test(question)) parts.push(`Question: ${question.trim()}`);
  return parts.join('\n\n');
}

/** Extracted text as a fenced block the panel can copy or insert; the fence grows past any backticks inside. */
export function extractedBlock(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text.trimEnd()}\n${fence}\n`;
}
