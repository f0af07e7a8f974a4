// Image preparation: every image is decoded, checked, scaled to the size its reader can use, and
// re-encoded before anything sees it. Decoding and resizing are sharp's (libvips); BMP, which libvips
// does not read, is decoded by bmp-ts into raw pixels first. Both load lazily: activation never waits
// for a native module, and a platform without one gets a clear error on first use instead.

import type { Sharp } from 'sharp';
import type { ImageInput } from '../types';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

/** File extensions the explorer menu, the panel and the CLI accept, with their MIME types. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

export interface ImageLimits {
  /** Larger files are refused before decoding. */
  maxBytes: number;
  /** Width × height above which decoding is refused (decompression bombs). */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };

/** A prepared image: the bytes to send and the size they have. */
export interface PreparedImage extends ImageInput {
  width: number;
  height: number;
}

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

/** The format named by the file's first bytes, whatever its extension says. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  return undefined;
}

function ascii(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...b.subarray(start, end));
}

/**
 * Longest side a vision model can use: the largest input its runner keeps (Moondream's encoder takes
 * 378 × 378, LLaVA 1.6 tiles up to 672, Llama 3.2 Vision four 560 tiles); larger images are only
 * downscaled again on the node, after the bytes have crossed the network.
 */
export function usefulSide(model: string): number {
  const name = model.toLowerCase();
  if (name.startsWith('moondream')) return 378;
  if (name.startsWith('llava') || name.startsWith('bakllava')) return 672;
  if (name.startsWith('llama3.2-vision') || name.startsWith('llama4')) return 1120;
  if (name.startsWith('minicpm-v')) return 1344;
  if (name.startsWith('gemma3')) return 896;
  return 1024;
}

/** Longest side sent to a cloud model: OpenAI scales to fit 2048 × 2048 and then 768 on the short side anyway. */
export const CLOUD_SIDE = 1536;
/** Longest side for OCR: text needs pixels, but beyond this recognition only gets slower. */
export const OCR_SIDE = 4096;
/** Thumbnails in the chat panel. */
export const THUMB_SIDE = 320;

type SharpFactory = typeof import('sharp').default;
let sharpModule: Promise<SharpFactory> | undefined;

async function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import('sharp').then(
    (m) => m.default,
    (err: Error) => {
      sharpModule = undefined;
      throw new ImageError(`Images cannot be read on this platform: the image library (sharp) did not load (${err.message}).`);
    },
  );
  return sharpModule;
}

/** An image decoded once and checked; variants for the model, the cloud, OCR and thumbnails come from it. */
export class DecodedImage {
  private constructor(
    private readonly sharp: SharpFactory,
    private readonly input: Buffer,
    private readonly raw: { width: number; height: number; channels: 4 } | undefined,
    readonly name: string,
    readonly format: ImageFormat,
    readonly width: number,
    readonly height: number,
  ) {}

  /**
   * Checks the bytes and reads the header (and the pixels, for BMP). Throws ImageError with a message
   * naming the file and what to do when it is too large, not an image we read, or broken.
   */
  static async decode(bytes: Uint8Array, name: string, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<DecodedImage> {
    if (bytes.length === 0) throw new ImageError(`${name} is empty.`);
    if (bytes.length > limits.maxBytes) {
      throw new ImageError(`${name} is ${mb(bytes.length)}; images up to ${mb(limits.maxBytes)} are accepted. Crop or shrink it first.`);
    }
    const format = sniffFormat(bytes);
    if (!format) throw new ImageError(`${name} is not a PNG, JPEG, GIF, WebP or BMP image.`);
    const sharp = await loadSharp();
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      if (format === 'bmp') {
        const { width, height, data } = await decodeBmp(buffer);
        checkPixels(name, width, height, limits);
        return new DecodedImage(sharp, data, { width, height, channels: 4 }, name, format, width, height);
      }
      const meta = await sharp(buffer, { limitInputPixels: false }).metadata();
      const width = meta.width ?? 0;
      const height = meta.pageHeight ?? meta.height ?? 0;
      checkPixels(name, width, height, limits);
      const image = new DecodedImage(sharp, buffer, undefined, name, format, width, height);
      // The header can be fine and the pixels truncated: decode one small variant now so the error is here.
      await image.pipeline().resize(8, 8, { fit: 'inside' }).raw().toBuffer();
      return image;
    } catch (err) {
      if (err instanceof ImageError) throw err;
      throw new ImageError(`${name} looks like a ${format.toUpperCase()} file but could not be decoded (${firstLine(err)}). It may be truncated or damaged.`);
    }
  }

  /** Scaled to fit `maxSide` (never enlarged) and re-encoded: PNG keeps text sharp, JPEG stays small for photos. */
  async encode(maxSide: number, as: 'png' | 'jpeg' = this.format === 'jpeg' ? 'jpeg' : 'png'): Promise<PreparedImage> {
    let image = this.pipeline().resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true });
    image = as === 'jpeg' ? image.flatten({ background: '#ffffff' }).jpeg({ quality: 88 }) : image.png({ compressionLevel: 6 });
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    return { mimeType: as === 'jpeg' ? 'image/jpeg' : 'image/png', base64: data.toString('base64'), width: info.width, height: info.height };
  }

  /**
   * Grayscale PNG for OCR, dark text on light: Tesseract reads editor-sized text (12-14 px) far better
   * enlarged (character error 4-5% at 1×, under 1% at 2× on rendered code), and a dark theme inverted
   * up front halves its time (it would otherwise try both polarities). See docs/MULTIMODALITY.md.
   */
  async forOcr(): Promise<Buffer> {
    const longest = Math.max(this.width, this.height);
    const scale = longest <= 1600 ? 2 : longest <= 2400 ? 1.5 : 1;
    const side = Math.min(OCR_SIDE, Math.round(longest * scale));
    const gray = this.pipeline().resize(side, side, { fit: 'inside', kernel: 'lanczos3' }).toColourspace('b-w');
    const { data, info } = await gray.raw().toBuffer({ resolveWithObject: true });
    const image = this.sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    return (isDark(data, info.channels) ? image.negate({ alpha: false }) : image).toColourspace('b-w').png({ compressionLevel: 1 }).toBuffer();
  }

  private pipeline(): Sharp {
    // The first frame of an animation; the pixel limit was checked in decode().
    return this.raw ? this.sharp(this.input, { raw: this.raw }) : this.sharp(this.input, { limitInputPixels: false, pages: 1 });
  }
}

/** Reads one image file's bytes into a prepared image for `model` (the convenience the CLI and commands use). */
export async function prepareImage(bytes: Uint8Array, name: string, model: string, limits?: ImageLimits): Promise<PreparedImage> {
  return (await DecodedImage.decode(bytes, name, limits)).encode(usefulSide(model));
}

async function decodeBmp(buffer: Buffer): Promise<{ width: number; height: number; data: Buffer }> {
  const { decode } = await import('bmp-ts');
  const decoded = decode(buffer, { toRGBA: true });
  if (!decoded.width || !decoded.height) throw new Error('no pixels');
  return { width: decoded.width, height: Math.abs(decoded.height), data: decoded.data };
}

/** Mostly dark pixels (a dark editor theme, a terminal): mean of the first channel below mid-gray. */
function isDark(pixels: Buffer, channels: number): boolean {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < pixels.length; i += channels * 7) {
    sum += pixels[i]!;
    n++;
  }
  return n > 0 && sum / n < 128;
}

function checkPixels(name: string, width: number, height: number, limits: ImageLimits): void {
  if (width <= 0 || height <= 0) throw new ImageError(`${name} has no pixels (its header says ${width} × ${height}).`);
  if (width * height > limits.maxPixels) {
    throw new ImageError(`${name} is ${width} × ${height} pixels; images up to ${(limits.maxPixels / 1e6).toFixed(0)} megapixels are accepted. Crop or shrink it first.`);
  }
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
}
