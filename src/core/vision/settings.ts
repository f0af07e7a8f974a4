// singularity.vision.* as plain data (read in vscode/config.ts, or the CLI's --config "vision" object).

import { DEFAULT_QUALITY_THRESHOLD } from './quality';
import { DEFAULT_IMAGE_LIMITS } from './image';

export interface VisionSettings {
  /** Read text locally (tesseract.js) to check the vision answer and to answer "extract the text". */
  ocr: boolean;
  /** Local answers scoring below this are answered again by a cloud vision model (when allowed). */
  qualityThreshold: number;
  cloudFallback: boolean;
  /** Cloud model for images; empty: the cloud provider's configured model. */
  cloudModel: string;
  maxImageBytes: number;
}

export const DEFAULT_VISION_SETTINGS: VisionSettings = {
  ocr: true,
  qualityThreshold: DEFAULT_QUALITY_THRESHOLD,
  cloudFallback: true,
  cloudModel: '',
  maxImageBytes: DEFAULT_IMAGE_LIMITS.maxBytes,
};

export function parseVisionSettings(raw: Record<string, unknown>): { settings: VisionSettings; problems: string[] } {
  const problems: string[] = [];
  const d = DEFAULT_VISION_SETTINGS;
  const threshold = raw.qualityThreshold;
  const validThreshold = typeof threshold === 'number' && threshold >= 0 && threshold <= 1;
  if (threshold !== undefined && !validThreshold) problems.push(`singularity.vision.qualityThreshold must be between 0 and 1; using ${d.qualityThreshold}.`);
  const mb = raw.maxImageMB;
  const validMb = typeof mb === 'number' && mb > 0 && mb <= 100;
  if (mb !== undefined && !validMb) problems.push(`singularity.vision.maxImageMB must be between 0 and 100; using ${d.maxImageBytes / 1024 / 1024}.`);
  return {
    settings: {
      ocr: typeof raw.ocr === 'boolean' ? raw.ocr : d.ocr,
      qualityThreshold: validThreshold ? threshold : d.qualityThreshold,
      cloudFallback: typeof raw.cloudFallback === 'boolean' ? raw.cloudFallback : d.cloudFallback,
      cloudModel: typeof raw.cloudModel === 'string' ? raw.cloudModel.trim() : d.cloudModel,
      maxImageBytes: validMb ? Math.round(mb * 1024 * 1024) : d.maxImageBytes,
    },
    problems,
  };
}
