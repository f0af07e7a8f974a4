// The quality gate's and the example library's settings (singularity.quality.*), read alike by the
// extension and the CLI; out-of-range values fall back to the default with a problem the caller shows.

export interface QualitySettings {
  /** Score local answers and escalate weak ones to the cloud (when the cloud is allowed). */
  gate: boolean;
  /** Quality percentile below which a local answer is escalated. */
  threshold: number;
  /** Add accepted earlier answers as few-shot examples to local requests. */
  examples: boolean;
  /** Most prompt tokens the examples may take. */
  exampleTokens: number;
  /** An Ollama model that grades answers the gate passed (a second opinion); empty = off. */
  judgeModel: string;
}

export const DEFAULT_QUALITY_SETTINGS: QualitySettings = { gate: true, threshold: 0.2, examples: true, exampleTokens: 600, judgeModel: '' };

export interface RawQualitySettings {
  gate?: unknown;
  threshold?: unknown;
  examples?: unknown;
  exampleTokens?: unknown;
  judgeModel?: unknown;
}

export function parseQualitySettings(raw: RawQualitySettings): { settings: QualitySettings; problems: string[] } {
  const problems: string[] = [];
  const d = DEFAULT_QUALITY_SETTINGS;
  const flag = (value: unknown, name: string, fallback: boolean) =>
    value === undefined || typeof value === 'boolean' ? ((value as boolean | undefined) ?? fallback) : (problems.push(`singularity.quality.${name} must be true or false; using ${fallback}.`), fallback);
  const threshold =
    raw.threshold === undefined ? d.threshold : typeof raw.threshold === 'number' && raw.threshold >= 0 && raw.threshold <= 1 ? raw.threshold : (problems.push(`singularity.quality.threshold must be a number from 0 to 1; using ${d.threshold}.`), d.threshold);
  const exampleTokens =
    raw.exampleTokens === undefined
      ? d.exampleTokens
      : Number.isInteger(raw.exampleTokens) && (raw.exampleTokens as number) >= 0 && (raw.exampleTokens as number) <= 8000
        ? (raw.exampleTokens as number)
        : (problems.push(`singularity.quality.exampleTokens must be a whole number from 0 to 8000; using ${d.exampleTokens}.`), d.exampleTokens);
  const judgeModel =
    raw.judgeModel === undefined || raw.judgeModel === null ? d.judgeModel : typeof raw.judgeModel === 'string' ? raw.judgeModel.trim() : (problems.push('singularity.quality.judgeModel must be a model name (or empty); the judge is off.'), d.judgeModel);
  return { settings: { gate: flag(raw.gate, 'gate', d.gate), threshold, examples: flag(raw.examples, 'examples', d.examples), exampleTokens, judgeModel }, problems };
}
