// The context budget for a cloud model: the user's budget, within what the model's context window leaves
// after the question, the history and room for the answer. Windows are those the providers publish for
// the model families; an unknown model is assumed to have the smallest common window.

export const OUTPUT_RESERVE_TOKENS = 4096;
export const UNKNOWN_WINDOW_TOKENS = 32_768;
/** Relevance fills the budget less this share; the coverage gate may add up to it. The budget itself is never passed. */
export const GATE_ALLOWANCE = 1.25;

const WINDOWS: readonly [RegExp, number][] = [
  [/gpt-4\.1|gpt-5|gemini/i, 1_000_000],
  [/claude/i, 200_000],
  [/gpt-4o|gpt-4-turbo|(^|\/)o[134]\b/i, 128_000],
  [/gpt-3\.5/i, 16_385],
  [/(^|\/)gpt-4(?![.o-])/i, 8_192],
  [/deepseek/i, 64_000],
  [/llama-?3|qwen|mistral|mixtral|gemma/i, 32_768],
];

export function contextWindow(model: string): number {
  return WINDOWS.find(([re]) => re.test(model))?.[1] ?? UNKNOWN_WINDOW_TOKENS;
}

export interface Budget {
  /** What relevance selection fills: the budget less the coverage gate's room. */
  budgetTokens: number;
  /** The user's budget within the window: what is sent never passes it, whatever the number of files. */
  hardLimitTokens: number;
}

/** `otherTokens`: the system prompt, history and question that share the window with the context. */
export function cloudBudget(model: string, settingTokens: number, otherTokens: number): Budget {
  const room = Math.max(0, contextWindow(model) - otherTokens - OUTPUT_RESERVE_TOKENS);
  const hardLimitTokens = Math.min(settingTokens, room);
  return { budgetTokens: Math.floor(hardLimitTokens / GATE_ALLOWANCE), hardLimitTokens };
}
