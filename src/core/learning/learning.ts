// Builds the learning side of the extension (and the CLI) from the store: feedback, the example library,
// the gate's verdicts and its model, loaded once on first use. A missing or broken gate model turns the gate
// off with one clear log line; the rest keeps working.

import type { Store } from '../store/db';
import type { RouterData } from '../store/routerData';
import type { Logger } from '../log';
import type { Learning } from '../quality/verdict';
import { loadGateModel, type GateModel } from '../quality/gate';
import type { QualitySettings } from '../quality/settings';
import { QualityResults } from '../store/qualityResults';
import { calibratedThreshold } from '../quality/calibrate';

/** The user's latest outcomes the gate's threshold is calibrated on. */
const OUTCOMES = 500;
import { Feedback } from './feedback';
import { ExampleLibrary } from './examples';

export interface LearningOptions {
  store: Store;
  routerData: RouterData;
  /** A request's question and answer text and its workspace (the conversations), for examples made from thumbs-ups. */
  exchange(requestId: string): Promise<{ question: string; answer: string; workspace: string } | undefined>;
  settings(): QualitySettings;
  gateModelPath: string;
  log: Logger;
}

export interface LearningParts extends Learning {
  feedback: Feedback;
  examples: ExampleLibrary;
  results: QualityResults;
}

export function createLearning(options: LearningOptions): LearningParts {
  const feedback = new Feedback(options.store, options.routerData);
  const examples = new ExampleLibrary(options.store, options.routerData, options.exchange);
  examples.follow(feedback);
  let model: GateModel | undefined | null = null;
  const results = new QualityResults(options.store);
  // The calibrated gate threshold changes only when an outcome does: read the outcomes again only then, not per request.
  let labels = 0;
  options.routerData.onLabel(() => labels++);
  let calibrated: { labels: number; configured: number; value: number } | undefined;
  return {
    feedback,
    examples,
    results,
    settings: options.settings,
    gateThreshold: async (configured) => {
      if (calibrated?.labels !== labels || calibrated.configured !== configured) {
        calibrated = { labels, configured, value: calibratedThreshold(configured, await results.outcomes(OUTCOMES)) };
      }
      return calibrated.value;
    },
    gateModel: () => {
      if (model === null) {
        try {
          model = loadGateModel(options.gateModelPath);
        } catch (err) {
          model = undefined;
          options.log.warn(`Quality gate off: ${(err as Error).message}`);
        }
      }
      return model;
    },
  };
}
