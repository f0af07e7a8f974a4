// The CLI's image pieces: `ask --image FILE` reads images for the vision path (the same one the panel
// uses: node pool, preparation, OCR, quality check, cloud fallback); `ocr FILE` prints what local OCR reads.

import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import type { ImageInput } from '../core/types';
import { DecodedImage, IMAGE_TYPES } from '../core/vision/image';
import { OcrEngine } from '../core/vision/ocr';
import { isVisionMode, VISION_MODES, type VisionMode } from '../shared/vision';
import { UsageError } from './router';

export const VISION_OPTIONS = {
  image: { type: 'string', multiple: true },
  mode: { type: 'string' },
} as const;

export function readImages(files: readonly string[] | undefined): ImageInput[] {
  return (files ?? []).map((file) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new UsageError(`Cannot read the image ${file}: ${(err as Error).message}`);
    }
    return { mimeType: IMAGE_TYPES[extname(file).slice(1).toLowerCase()] ?? 'application/octet-stream', base64: bytes.toString('base64') };
  });
}

export function visionModeFlag(value: string | undefined): VisionMode | undefined {
  if (value === undefined) return undefined;
  if (!isVisionMode(value)) throw new UsageError(`--mode must be one of ${VISION_MODES.join(', ')}.`);
  return value;
}

/** `singularity ocr FILE...`: the text of each image on stdout; timings and confidence as JSON on stderr. */
export async function runOcr(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('No image given.');
  const ocr = new OcrEngine();
  try {
    for (const file of positionals) {
      const [image] = readImages([file]);
      const decoded = await DecodedImage.decode(Buffer.from(image!.base64, 'base64'), basename(file));
      const result = await ocr.recognize(await decoded.forOcr());
      process.stdout.write(`${result.text}\n`);
      process.stderr.write(`${JSON.stringify({ file, chars: result.text.length, confidence: Math.round(result.confidence), ms: Math.round(result.ms) })}\n`);
    }
    return 0;
  } finally {
    await ocr.dispose();
  }
}
