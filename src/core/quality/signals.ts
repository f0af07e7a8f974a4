// What can be read off a finished answer without asking another model: each signal is a pure function of
// the question and the answer, in [0, 1] (1 = the failure is plainly there), with the words the panel shows
// when it is the reason for an escalation. The gate (gate.ts) weighs them with a model learned from judged
// answers; a few are certain enough on their own to escalate (HARD_SIGNALS).

import type { FinishReason } from '../providers/types';

export const SIGNAL_NAMES = [
  'empty',
  'refusal',
  'truncated',
  'repetition',
  'brokenCode',
  'wrongLanguage',
  'offTopic',
  'missingCode',
  'hedging',
  'placeholderCode',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

export type Signals = Record<SignalName, number>;

/** What the panel says after "escalated: ". */
export const SIGNAL_REASONS: Record<SignalName, string> = {
  empty: 'answer was empty',
  refusal: 'the model refused',
  truncated: 'answer was cut off',
  repetition: 'answer was repeating itself',
  brokenCode: 'a code block does not parse',
  wrongLanguage: 'answer was in another language than the question',
  offTopic: 'answer did not address the question',
  missingCode: 'code was asked for but none was given',
  hedging: 'the model said it was unsure',
  placeholderCode: 'code left parts unwritten',
};

export interface AnswerInput {
  question: string;
  answer: string;
  /** Why generation stopped, when the provider said ('length' = the token limit cut it). */
  finishReason?: FinishReason | 'repetition';
}

export interface CodeBlock {
  language: string;
  code: string;
  closed: boolean;
}

/** Fenced blocks in order; an unclosed last fence yields a block with closed = false. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  let open: { fence: string; language: string; lines: string[] } | undefined;
  for (const line of lines) {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line);
    if (!open && fence) {
      open = { fence: fence[1]!, language: fence[2]!.toLowerCase(), lines: [] };
    } else if (open && fence && fence[1]!.startsWith(open.fence) && fence[2] === '') {
      blocks.push({ language: open.language, code: open.lines.join('\n'), closed: true });
      open = undefined;
    } else if (open) open.lines.push(line);
  }
  if (open) blocks.push({ language: open.language, code: open.lines.join('\n'), closed: false });
  return blocks;
}

/** The answer's prose: code blocks and inline code taken out. */
function prose(markdown: string): string {
  return markdown.replace(/(`{3,}|~{3,})[\s\S]*?(\1|$)/g, ' ').replace(/`[^`\n]*`/g, ' ');
}

const REFUSAL =
  /\b(I(?:'m| am) sorry,? but I (?:can(?:'|no)t|am unable|won't)|I (?:can(?:'|no)t|am unable to|won't) (?:help|assist|provide|do|fulfil|comply|write|create|answer)|as an AI(?: language model)?,? I (?:can(?:'|no)t|don't|do not|am not)|I(?:'m| am) not able to (?:help|assist|provide)|I apologi[sz]e,? but I (?:can(?:'|no)t|am unable))/i;

function refusal(answer: string): number {
  const head = answer.slice(0, 400);
  if (REFUSAL.test(head)) return 1;
  return REFUSAL.test(answer) ? 0.5 : 0;
}

const ENDS_CLEANLY = /([.!?:;)\]}>"'`*_|]|```|~~~|\p{Emoji})\s*$/u;

function truncated(input: AnswerInput, blocks: readonly CodeBlock[]): number {
  if (input.finishReason === 'length') return 1;
  if (blocks.some((b) => !b.closed)) return 1;
  const tail = input.answer.trimEnd();
  // Lists, headings and code end without a full stop; only a long prose tail that stops mid-word counts.
  const lastLine = tail.slice(tail.lastIndexOf('\n') + 1);
  return tail.length > 200 && lastLine.length > 40 && !ENDS_CLEANLY.test(tail) && /[a-z,]$/i.test(tail) ? 0.5 : 0;
}

/**
 * Share of the answer's word 6-grams that occur before in the answer, and whether its end is one short
 * passage over and over (the loop a small model falls into).
 */
export function repetition(text: string): number {
  const tokens = text.toLowerCase().match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
  if (tokens.length < 40) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i + 6 <= tokens.length; i++) {
    const gram = tokens.slice(i, i + 6).join(' ');
    if (seen.has(gram)) repeated++;
    else seen.add(gram);
  }
  const share = repeated / Math.max(1, tokens.length - 5);
  return Math.max(loopingTail(text) ? 1 : 0, Math.min(1, share * 2));
}

/** True when the text ends in at least 4 back-to-back copies of one passage of 10 to 400 characters. */
export function loopingTail(text: string): boolean {
  const tail = text.slice(-4000);
  for (let period = 10; period <= 400 && period * 4 <= tail.length; period++) {
    const unit = tail.slice(tail.length - period);
    if (!/\S/.test(unit)) continue;
    let copies = 1;
    while (copies < 4 && tail.slice(tail.length - period * (copies + 1), tail.length - period * copies) === unit) copies++;
    if (copies >= 4) return true;
  }
  return false;
}

const BRACE_LANGUAGES = new Set(['js', 'javascript', 'jsx', 'ts', 'typescript', 'tsx', 'java', 'c', 'cpp', 'c++', 'cs', 'csharp', 'go', 'rust', 'rs', 'kotlin', 'swift', 'php', 'scala', 'dart']);

/** Brackets balance once strings and comments are skipped (a cheap parse that catches cut or garbled code). */
export function bracketsBalance(code: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === '/' && code[i + 1] === '/') i = skipTo(code, i, '\n') - 1;
    else if (c === '/' && code[i + 1] === '*') i = skipTo(code, i + 2, '*/') + 1;
    else if (c === '"' || c === "'" || c === '`') i = endOfString(code, i);
    else if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0;
}

function skipTo(code: string, from: number, end: string): number {
  const at = code.indexOf(end, from);
  return at < 0 ? code.length : at;
}

function endOfString(code: string, start: number): number {
  const quote = code[start]!;
  for (let i = start + 1; i < code.length; i++) {
    if (code[i] === '\\') i++;
    else if (code[i] === quote) return i;
    else if (code[i] === '\n' && quote !== '`') return i;
  }
  return code.length;
}

function blockParses(block: CodeBlock): boolean {
  if (block.language === 'json') {
    try {
      JSON.parse(block.code);
      return true;
    } catch {
      return false;
    }
  }
  if (BRACE_LANGUAGES.has(block.language)) return bracketsBalance(block.code);
  return true;
}

function brokenCode(blocks: readonly CodeBlock[]): number {
  const checked = blocks.filter((b) => b.closed);
  if (checked.length === 0) return 0;
  return checked.filter((b) => !blockParses(b)).length / checked.length;
}

/** Writing systems told apart by Unicode script; Latin-script languages by their commonest words. */
const SCRIPTS: [string, RegExp][] = [
  ['cyrillic', /\p{Script=Cyrillic}/gu],
  ['han', /\p{Script=Han}/gu],
  ['kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/gu],
  ['hangul', /\p{Script=Hangul}/gu],
  ['arabic', /\p{Script=Arabic}/gu],
  ['greek', /\p{Script=Greek}/gu],
  ['latin', /\p{Script=Latin}/gu],
];

const STOPWORDS: Record<string, ReadonlySet<string>> = {
  english: new Set('the and is are to of in that it for with this you what how'.split(' ')),
  spanish: new Set('el la los las que es de en por para una con como qué'.split(' ')),
  german: new Set('der die das und ist nicht ein eine ich mit wie was für'.split(' ')),
  french: new Set('le la les et est des une que pour dans avec pas comment'.split(' ')),
  portuguese: new Set('o os as que é de em para uma com não como você'.split(' ')),
  italian: new Set('il lo gli che è di per una con non come sono della'.split(' ')),
};

/** The language a text is written in, or undefined when it is too short or too mixed to tell. */
export function languageOf(text: string): string | undefined {
  const counts = SCRIPTS.map(([name, re]) => [name, (text.match(re) ?? []).length] as const);
  const letters = counts.reduce((n, [, c]) => n + c, 0);
  if (letters < 12) return undefined;
  const [script, count] = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (count / letters < 0.6) return undefined;
  if (script !== 'latin') return script === 'kana' ? 'han' : script;
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const hits = Object.entries(STOPWORDS).map(([name, set]) => [name, words.filter((w) => set.has(w)).length] as const);
  const [best, n] = hits.reduce((a, b) => (b[1] > a[1] ? b : a));
  const second = Math.max(...hits.filter(([name]) => name !== best).map(([, c]) => c));
  return n >= 3 && n >= 2 * second ? best : undefined;
}

function wrongLanguage(question: string, answer: string): number {
  const asked = languageOf(prose(question));
  const answered = languageOf(prose(answer));
  if (!asked || !answered) return 0;
  // A question that asks for a translation is answered in the other language on purpose.
  if (/\btranslat|übersetz|tradu[cz]/i.test(question)) return 0;
  return asked === answered ? 0 : 1;
}

const COMMON = new Set(
  'about above after again also answer because been before being below between both could does doing down during each explain from further have having here into just more most need only other over please same should some such than that their them then there these they this those through under until very were what when where which while will with would write your give show make tell using used want like know'.split(' '),
);

/** The question's content words: identifiers split at case and underscores, 4+ letters, not common words. */
export function keyTerms(text: string): Set<string> {
  const parts = (text.match(/[A-Za-z][A-Za-z0-9_]*/g) ?? []).flatMap((w) => [w, ...w.split(/_|(?<=[a-z0-9])(?=[A-Z])/)]);
  return new Set(parts.map((w) => w.toLowerCase()).filter((w) => w.length >= 4 && !COMMON.has(w)));
}

/** Share of the question's key terms (stemmed to 5 letters) the answer never mentions. */
function offTopic(question: string, answer: string): number {
  const terms = [...keyTerms(question)].map((t) => t.slice(0, 5));
  if (terms.length < 3) return 0;
  const said = new Set([...keyTerms(answer)].map((t) => t.slice(0, 5)));
  return terms.filter((t) => !said.has(t)).length / terms.length;
}

const ASKS_FOR_CODE =
  /\b(write|implement|create|generate|code|function|script|program|class|snippet|regex|query)\b[^.?!\n]{0,80}\b(code|function|script|program|class|method|snippet|regex|query|component|in (?:python|javascript|typescript|java|rust|go|c\+\+|c#|bash|sql))\b/i;

function missingCode(question: string, answer: string, blocks: readonly CodeBlock[]): number {
  if (!ASKS_FOR_CODE.test(question)) return 0;
  const indented = /(^|\n)( {4}|\t)\S/.test(answer);
  return blocks.length === 0 && !indented ? 1 : 0;
}

const HEDGING = /\b(I(?:'m| am) not (?:sure|certain)|I don'?t know|I do not know|it(?:'s| is) (?:difficult|hard|impossible) to (?:say|determine|know)|without more (?:information|context)|I don'?t have (?:enough|access|the ability))\b/i;

function hedging(answer: string): number {
  return HEDGING.test(answer) ? 1 : 0;
}

const PLACEHOLDER = /(\/\/|#|\/\*)\s*(\.\.\.|TODO|your code here|implement(?:ation)? (?:here|this)|add (?:your|the) (?:logic|code))|^\s*\.\.\.\s*$|\bpass\s*#/im;

function placeholderCode(blocks: readonly CodeBlock[]): number {
  return blocks.some((b) => PLACEHOLDER.test(b.code)) ? 1 : 0;
}

/** Every signal of one answer. */
export function answerSignals(input: AnswerInput): Signals {
  const blocks = codeBlocks(input.answer);
  const trimmed = input.answer.trim();
  return {
    empty: trimmed.replace(/[\s\p{P}]/gu, '').length < 2 ? 1 : 0,
    refusal: refusal(trimmed),
    truncated: trimmed ? truncated(input, blocks) : 0,
    repetition: input.finishReason === 'repetition' ? 1 : repetition(input.answer),
    brokenCode: brokenCode(blocks),
    wrongLanguage: wrongLanguage(input.question, input.answer),
    offTopic: offTopic(input.question, input.answer),
    missingCode: missingCode(input.question, input.answer, blocks),
    hedging: hedging(trimmed),
    placeholderCode: placeholderCode(blocks),
  };
}
