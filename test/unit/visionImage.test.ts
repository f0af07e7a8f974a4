import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { encode as encodeBmp } from 'bmp-ts';
import { DecodedImage, ImageError, prepareImage, sniffFormat, usefulSide } from '../../src/core/vision/image';

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#3366cc' } });

async function sizeOf(base64: string) {
  const meta = await sharp(Buffer.from(base64, 'base64')).metadata();
  return { width: meta.width, height: meta.height, format: meta.format };
}

function bmp(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4, 0);
  for (let i = 0; i < data.length; i += 4) data.set([0, 200, 100, 50], i); // ABGR
  return encodeBmp({ width, height, data, bitPP: 24 }).data;
}

describe('image preparation', () => {
  it('downscales a large screenshot to the vision model\'s useful size, keeping the aspect ratio', async () => {
    const png = await solid(3000, 1500).png().toBuffer();
    const prepared = await prepareImage(png, 'big.png', 'moondream');
    expect(prepared).toMatchObject({ mimeType: 'image/png', width: 378, height: 189 });
    expect(await sizeOf(prepared.base64)).toEqual({ width: 378, height: 189, format: 'png' });
  });

  it('never enlarges a small image', async () => {
    const png = await solid(120, 80).png().toBuffer();
    expect(await prepareImage(png, 'small.png', 'llama3.2-vision')).toMatchObject({ width: 120, height: 80 });
  });

  it('gives each model family its own size, and unknown models a safe default', () => {
    expect(usefulSide('moondream:latest')).toBe(378);
    expect(usefulSide('llava:13b')).toBe(672);
    expect(usefulSide('llama3.2-vision')).toBe(1120);
    expect(usefulSide('qwen2.5vl:7b')).toBe(1024);
  });

  it.each([
    ['png', () => solid(800, 600).png().toBuffer(), 'image/png'],
    ['jpeg', () => solid(800, 600).jpeg().toBuffer(), 'image/jpeg'],
    ['gif', () => solid(800, 600).gif().toBuffer(), 'image/png'],
    ['webp', () => solid(800, 600).webp().toBuffer(), 'image/png'],
    ['bmp', async () => bmp(800, 600), 'image/png'],
  ] as const)('reads %s and re-encodes it for the model', async (format, make, mimeType) => {
    const bytes = await make();
    expect(sniffFormat(bytes)).toBe(format);
    const prepared = await prepareImage(bytes, `shot.${format}`, 'llava');
    expect(prepared).toMatchObject({ mimeType, width: 672, height: 504 });
    expect(await sizeOf(prepared.base64)).toMatchObject({ width: 672, height: 504 });
  });

  it('reads BMP pixels correctly (bmp-ts decodes, sharp encodes)', async () => {
    const decoded = await DecodedImage.decode(bmp(4, 4), 'x.bmp');
    const png = Buffer.from((await decoded.encode(4)).base64, 'base64');
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([50, 100, 200]);
  });

  it('refuses a file that is not an image, naming what it accepts', async () => {
    await expect(prepareImage(Buffer.from('just some text, not pixels'), 'notes.png', 'moondream')).rejects.toThrow(
      new ImageError('notes.png is not a PNG, JPEG, GIF, WebP or BMP image.'),
    );
  });

  it('refuses a truncated PNG with a clear message instead of a library error', async () => {
    const png = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#fff' } }).png({ compressionLevel: 0 }).toBuffer();
    const broken = prepareImage(png.subarray(0, png.length / 3), 'cut.png', 'moondream');
    await expect(broken).rejects.toBeInstanceOf(ImageError);
    await expect(broken).rejects.toThrow(/cut\.png looks like a PNG file but could not be decoded .*truncated or damaged/);
  });

  it('refuses an empty file', async () => {
    await expect(prepareImage(new Uint8Array(), 'empty.png', 'moondream')).rejects.toThrow('empty.png is empty.');
  });

  it('refuses files over the size limit before decoding them', async () => {
    const png = await solid(200, 200).png().toBuffer();
    await expect(prepareImage(png, 'huge.png', 'moondream', { maxBytes: 100, maxPixels: 1e9 })).rejects.toThrow(/huge\.png is 0\.0 MB; images up to 0\.0 MB are accepted/);
  });

  it('refuses images with too many pixels (a decompression bomb) from the header alone', async () => {
    const png = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#000' } }).png().toBuffer();
    await expect(prepareImage(png, 'bomb.png', 'moondream', { maxBytes: 1e9, maxPixels: 1_000_000 })).rejects.toThrow(
      'bomb.png is 4000 × 4000 pixels; images up to 1 megapixels are accepted. Crop or shrink it first.',
    );
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = await Promise.all(['#f00', '#0f0', '#00f'].map((c) => solid(64, 48).png().toBuffer().then((b) => sharp(b).tint(c).png().toBuffer())));
    const animated = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(animated, { pages: -1 }).metadata()).pages).toBe(3);
    const decoded = await DecodedImage.decode(animated, 'anim.gif');
    expect(decoded).toMatchObject({ width: 64, height: 48 });
    expect(await decoded.encode(1000)).toMatchObject({ width: 64, height: 48 });
  });

  it('prepares OCR input enlarged, gray and dark-on-light for a dark screenshot', async () => {
    const dark = await solid(400, 200).png().toBuffer();
    const ocr = await (await DecodedImage.decode(dark, 'dark.png')).forOcr();
    const meta = await sharp(ocr).metadata();
    expect({ width: meta.width, height: meta.height, channels: meta.channels }).toEqual({ width: 800, height: 400, channels: 1 });
    const { data } = await sharp(ocr).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(128);
  });
});
