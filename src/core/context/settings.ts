// Context settings (singularity.context.*), parsed from whatever the editor or a config file holds.

export interface ContextSettings {
  /** Compress context before cloud calls. */
  compression: boolean;
  /** Most context tokens sent to a cloud model (further capped by the model's context window). */
  budgetTokens: number;
  /** Chunks scoring under this share of the best chunk's score are not sent for relevance alone (0: fill the budget). */
  relevanceThreshold: number;
  /** Ollama embedding model for semantic relevance (e.g. nomic-embed-text), used when a node serves it; '' for lexical only. */
  embeddingModel: string;
  /** Add the other visible editors to the context. */
  openEditors: boolean;
  /** Add the definitions of symbols the question names, found in the workspace. */
  symbolSearch: boolean;
  /** The most tokens a request to an Ollama node may take (its num_ctx); a larger context is compressed to fit. */
  nodeContextTokens: number;
}

export const DEFAULT_CONTEXT_SETTINGS: ContextSettings = {
  compression: true,
  budgetTokens: 6000,
  relevanceThreshold: 0.1,
  embeddingModel: '',
  openEditors: true,
  symbolSearch: true,
  nodeContextTokens: 16_384,
};

export const MIN_BUDGET_TOKENS = 500;

export function parseContextSettings(raw: Record<string, unknown>): { settings: ContextSettings; problems: string[] } {
  const problems: string[] = [];
  const d = DEFAULT_CONTEXT_SETTINGS;
  const bool = (key: keyof ContextSettings, fallback: boolean) => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    problems.push(`singularity.context.${key} must be true or false; using ${fallback}.`);
    return fallback;
  };
  const num = (key: keyof ContextSettings, fallback: number, min: number, max: number) => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
    problems.push(`singularity.context.${key} must be a number from ${min} to ${max}; using ${fallback}.`);
    return fallback;
  };
  const model = raw.embeddingModel;
  if (model !== undefined && typeof model !== 'string') problems.push('singularity.context.embeddingModel must be a model name; using none.');
  return {
    settings: {
      compression: bool('compression', d.compression),
      budgetTokens: Math.round(num('budgetTokens', d.budgetTokens, MIN_BUDGET_TOKENS, 1_000_000)),
      relevanceThreshold: num('relevanceThreshold', d.relevanceThreshold, 0, 1),
      embeddingModel: typeof model === 'string' ? model.trim() : d.embeddingModel,
      openEditors: bool('openEditors', d.openEditors),
      symbolSearch: bool('symbolSearch', d.symbolSearch),
      nodeContextTokens: Math.round(num('nodeContextTokens', d.nodeContextTokens, 2048, 1_048_576)),
    },
    problems,
  };
}
