// The one feature schema shared by the trainer, the shipped ONNX model and the extension. A model
// records FEATURE_SCHEMA.version in its metadata; a model built for another version is refused
// (and routing falls back to the heuristic) rather than fed columns it does not expect.

import type { Route } from '../types';
import { estimateTokens } from '../providers/tokens';

export const TASK_TYPES = ['coding', 'debugging', 'explanation', 'reasoning', 'general', 'vision'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Panel modes and commands a request can come from; unknown categories map to 0. */
export const CATEGORIES = ['chat', 'explainFiles', 'docComments', 'reviewChanges', 'cli', 'proxy', 'batch'] as const;

export const LANGUAGES = ['typescript', 'javascript', 'python', 'rust', 'go', 'java', 'c', 'cpp', 'csharp', 'sql', 'shell', 'other'] as const;

/** How each route has done lately for this task type; -1 where nothing is known yet. */
export interface RouteRecord {
  successRate: number;
  latencyMs: number;
}
export type RouteHistory = Partial<Record<Route, RouteRecord>>;

export interface FeatureInput {
  question: string;
  /** Characters of attached context (files, selection). */
  contextChars: number;
  /** Earlier turns in this conversation. */
  historyTurns: number;
  category?: string;
  hasImages: boolean;
  history?: RouteHistory;
}

// No text features (hashed n-grams of the prompt): bench/router.ts measured them lowering APGR in every
// comparison, cross-file and in-file (docs/ML_ROUTER_IMPLEMENTATION.md), so the schema leaves them out.
const NAMES = [
  ...TASK_TYPES.map((t) => `task_${t}`),
  'prompt_tokens_log',
  'context_tokens_log',
  'code_present',
  'language',
  'images_present',
  'conversation_depth',
  'category',
  'question_marks',
  'digit_share',
  'math_symbols',
  'lines',
  'mean_word_length',
  'constraint_words',
  ...(['local', 'lan', 'cloud'] as const).flatMap((r) => [`${r}_success_rate`, `${r}_latency_log`]),
] as const;

export const FEATURE_SCHEMA = {
  version: 1,
  names: NAMES as readonly string[],
};
export const FEATURE_COUNT = FEATURE_SCHEMA.names.length;

const TASK_PATTERNS: [TaskType, RegExp][] = [
  ['debugging', /\b(bug|error|exception|stack ?trace|traceback|crash(es|ed)?|fails?|failing|doesn'?t work|not working|fix|segfault|undefined is not|null pointer)\b/i],
  ['coding', /```|\b(function|class|method|implement|refactor|code|script|regex|sql query|unit test|compile|api|typescript|javascript|python|rust|golang|java|c\+\+|algorithm)\b/i],
  ['reasoning', /\b(prove|calculate|compute|solve|how many|how much|probability|equation|integral|derivative|percent|ratio|logic|puzzle|riddle)\b|\d+\s*[-+*/^=]\s*\d+/i],
  ['explanation', /^(what|why|how|explain|describe|compare|difference)\b|\b(explain|what is|what are|why does|how does|meaning of)\b/i],
];

/** The task type: vision when images are attached, else the first matching pattern, else general. */
export function taskTypeOf(question: string, hasImages: boolean): TaskType {
  if (hasImages) return 'vision';
  for (const [type, pattern] of TASK_PATTERNS) if (pattern.test(question)) return type;
  return 'general';
}

const LANGUAGE_PATTERNS: [(typeof LANGUAGES)[number], RegExp][] = [
  ['typescript', /```(ts|typescript)\b|\btypescript\b|\binterface \w+ \{|: (string|number|boolean)\b/i],
  ['javascript', /```(js|javascript|jsx)\b|\bjavascript\b|\bnode\.?js\b|\bconsole\.log\b/i],
  ['python', /```(py|python)\b|\bpython\b|\bdef \w+\(|\bimport numpy\b/i],
  ['rust', /```rust\b|\brust\b|\bfn \w+\(|\blet mut\b/i],
  ['go', /```go\b|\bgolang\b|\bfunc \w+\(/i],
  ['java', /```java\b|\bjava\b|\bpublic static void\b/i],
  ['cpp', /```(cpp|c\+\+)\b|\bc\+\+|\bstd::/i],
  ['csharp', /```(cs|csharp)\b|\bc#/i],
  ['c', /```c\b|\b#include\b|\bprintf\(/i],
  ['sql', /```sql\b|\bselect .+ from\b|\bsql\b/i],
  ['shell', /```(sh|bash|shell|zsh)\b|\bbash\b|\bshell script\b/i],
];

function languageOf(question: string): number {
  for (const [language, pattern] of LANGUAGE_PATTERNS) if (pattern.test(question)) return LANGUAGES.indexOf(language) + 1;
  return /```/.test(question) ? LANGUAGES.indexOf('other') + 1 : 0;
}

const CONSTRAINT_WORDS = /\b(must|exactly|at least|at most|only|without|step by step|format|json|table|list|words?|sentences?)\b/gi;

/** FNV-1a: stable across runs and platforms, so the trainer and the extension hash alike. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z_][a-z0-9_]*|\d+|[^\sa-z0-9_]/g) ?? [];
}

/** The feature vector for one request, in FEATURE_SCHEMA order. */
export function extractFeatures(input: FeatureInput): Float32Array {
  const q = input.question;
  const task = taskTypeOf(q, input.hasImages);
  const wordTokens = words(q).filter((t) => /^[a-z_]/.test(t));
  return Float32Array.from([
    ...TASK_TYPES.map((t) => (t === task ? 1 : 0)),
    Math.log1p(estimateTokens(q)),
    Math.log1p(input.contextChars / 4),
    /```|[{};]\s*$/m.test(q) || input.contextChars > 0 ? 1 : 0,
    languageOf(q),
    input.hasImages ? 1 : 0,
    input.historyTurns,
    CATEGORIES.indexOf((input.category ?? '') as (typeof CATEGORIES)[number]) + 1,
    (q.match(/\?/g) ?? []).length,
    q.length > 0 ? (q.match(/\d/g) ?? []).length / q.length : 0,
    (q.match(/[=+*/^<>∑∫√π]/g) ?? []).length,
    q.split('\n').length,
    wordTokens.length > 0 ? wordTokens.reduce((n, w) => n + w.length, 0) / wordTokens.length : 0,
    (q.match(CONSTRAINT_WORDS) ?? []).length,
    ...(['local', 'lan', 'cloud'] as const).flatMap((r) => {
      const h = input.history?.[r];
      return h ? [h.successRate, h.latencyMs >= 0 ? Math.log1p(h.latencyMs) : -1] : [-1, -1];
    }),
  ]);
}
