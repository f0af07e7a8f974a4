// Code-aware terms for lexical relevance: identifiers split at case changes, underscores and digits
// (`parseHTTPResponse_v2` -> parse, http, response, v2's "v"), each part Porter-stemmed so that a question's
// "parses responses" meets `parseResponse`; a multi-part identifier also counts whole, so naming it
// exactly ranks its definition first.

import { stemmer } from 'stemmer';
import { eng as ENGLISH_STOP_WORDS } from 'stopword';
import type { Bm25Doc } from './bm25';

const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;
const PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g;
/** A question word that names code: camelCase, PascalCase with a second capital, snake_case, digits, `$`, or `backticked`. */
const CODE_LIKE = /^(?:[a-z]+[A-Z]\w*|[A-Z][a-z0-9]*[A-Z]\w*|\w*_\w+|[A-Za-z]+\d\w*|\$\w+)$/;

/** Terms of each identifier seen: code repeats its identifiers, so most words are split and stemmed once. */
const wordTerms = new Map<string, readonly string[]>();
const WORD_CACHE = 50_000;

function termsOfWord(word: string): readonly string[] {
  let terms = wordTerms.get(word);
  if (terms === undefined) {
    const parts = word.match(PART) ?? [];
    const out = parts.length > 1 ? [word.toLowerCase()] : [];
    for (const p of parts) if (p.length > 1) out.push(stemmer(p.toLowerCase()));
    terms = out;
    if (wordTerms.size >= WORD_CACHE) wordTerms.clear();
    wordTerms.set(word, terms);
  }
  return terms;
}

/** Terms of a text: stemmed identifier parts of two letters or more, plus whole multi-part identifiers (lower case). */
export function codeTerms(text: string): string[] {
  const out: string[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m; m = WORD.exec(text)) out.push(...termsOfWord(m[0]));
  return out;
}

/** A text as a BM25 document: the frequency of each of its codeTerms. Words are counted first, then each distinct word is split once. */
export function termDoc(text: string): Bm25Doc {
  const words = new Map<string, number>();
  for (const w of text.match(WORD) ?? []) words.set(w, (words.get(w) ?? 0) + 1);
  const tf = new Map<string, number>();
  let length = 0;
  for (const [w, n] of words) {
    const terms = termsOfWord(w);
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + n);
    length += n * terms.length;
  }
  return { tf, length };
}

const STOP_WORDS = new Set(ENGLISH_STOP_WORDS);

/** Terms of a question: as codeTerms, without English stop words ("the", "of", "which"), which only add noise to ranking. */
export function queryTerms(question: string): string[] {
  return codeTerms(question.replace(WORD, (w) => (STOP_WORDS.has(w) ? ' ' : w)));
}

/**
 * The identifiers a question names: words that look like code (see CODE_LIKE) or are `backticked`, and
 * words followed by `(`. Plain English words are not identifiers, even when code uses them too.
 */
export function questionIdentifiers(question: string): string[] {
  const found = new Set<string>();
  for (const [, quoted] of question.matchAll(/`([^`\n]{1,80})`/g)) for (const [w] of quoted!.matchAll(WORD)) if (w.length > 1) found.add(w);
  for (const [w] of question.matchAll(WORD)) if (CODE_LIKE.test(w)) found.add(w);
  for (const [, w] of question.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)) found.add(w!);
  return [...found];
}

/** Whether `identifier` occurs in the text as a whole word. */
export function containsIdentifier(text: string, identifier: string): boolean {
  let i = text.indexOf(identifier);
  while (i !== -1) {
    const before = text[i - 1];
    const after = text[i + identifier.length];
    if (!isWordChar(before) && !isWordChar(after)) return true;
    i = text.indexOf(identifier, i + 1);
  }
  return false;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\w$]/.test(c);
}
