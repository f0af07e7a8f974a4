// The vision path end to end against fixture servers: real image preparation (sharp), real OCR
// (tesseract.js on screenshots rendered by ImageMagick), Moondream's wire format on a fake Ollama node,
// the cloud fallback on a fake OpenAI-compatible API, and what gets recorded.
import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ask } from '../../src/core/pipeline';
import { silentLogger, type Logger } from '../../src/core/log';
import { OcrEngine } from '../../src/core/vision/ocr';
import { DecodedImage } from '../../src/core/vision/image';
import { VisionService } from '../../src/core/vision/vision';
import { DEFAULT_VISION_SETTINGS, type VisionSettings } from '../../src/core/vision/settings';
import { characterErrorRate } from '../../src/core/vision/cer';
import type { ImageInput } from '../../src/core/types';
import { renderCode } from '../fixtures/renderCode';
import { chats, cloud, cloudOf, collect, endOf, input, nodeOf, ollama, setup } from './support';

const ocr = new OcrEngine();
afterAll(() => ocr.dispose());

const ERROR_TEXT = "TypeError: Cannot read properties of undefined (reading 'map')\n    at renderList (src/components/TodoList.tsx:14:22)";
const asImage = (png: Buffer): ImageInput => ({ mimeType: 'image/png', base64: png.toString('base64') });
const errorShot = () => asImage(renderCode(ERROR_TEXT, { px: 16, theme: 'dark' }));
const photo = async () => asImage(await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#88aa44' } }).png().toBuffer());

async function visionSetup(opts: { nodeReply?: string; cloudReply?: string; models?: string[]; settings?: Partial<VisionSettings>; localOnly?: boolean; log?: Logger } = {}) {
  const node = await ollama({ models: opts.models ?? ['moondream:latest'], reply: () => opts.nodeReply ?? 'unused' });
  const api = await cloud({ reply: () => opts.cloudReply ?? 'cloud vision answer' });
  const r = await setup({ nodes: [nodeOf(node, 'gpu')], cloudProviders: [cloudOf(api)], privacy: { localOnly: !!opts.localOnly, neverSend: [] } });
  const vision = new VisionService({ settings: () => ({ ...DEFAULT_VISION_SETTINGS, ...opts.settings }), ocr, log: opts.log ?? silentLogger });
  return { node, api, r, deps: { ...r.deps, vision } };
}

const rows = async (r: Awaited<ReturnType<typeof setup>>) =>
  (await r.store.query<{ route: string; task: string; strategy: string; model: string; outcome: string }>('SELECT route, task, strategy, model, outcome FROM requests ORDER BY created_at, rowid'));

describe('local OCR', () => {
  it('reads a rendered code screenshot with under 3% character errors', async () => {
    const code = 'export function total(items: Item[]): number {\n  return items.reduce((sum, item) => sum + item.price, 0);\n}';
    const image = await DecodedImage.decode(renderCode(code, { px: 14, theme: 'light' }), 'code.png');
    const { text, confidence } = await ocr.recognize(await image.forOcr());
    expect(characterErrorRate(code, text)).toBeLessThanOrEqual(0.03);
    expect(confidence).toBeGreaterThan(60);
  });

  it('reads lines made only of closing brackets, which Tesseract alone reads as digits', async () => {
    const code = '      });\n    });\n  }\n  return commandOut;\n};';
    const image = await DecodedImage.decode(renderCode(code, { px: 14, theme: 'light' }), 'brackets.png');
    const { text } = await ocr.recognize(await image.forOcr());
    expect(text.split('\n')).toEqual(['});', '});', '}', 'return commandOut;', '};']);
  });
});

describe('the OCR worker', () => {
  it('ends once unused for its idle time (it holds ~100 MB), and a later image starts it again', async () => {
    let ended: () => void = () => {};
    const endedOnce = new Promise<void>((resolve) => (ended = resolve));
    const engine = new OcrEngine({ ...silentLogger, debug: (m) => void (m.startsWith('OCR worker ended') && ended()) }, 20);
    const png = await (await DecodedImage.decode(renderCode('return items.length;', { px: 16, theme: 'light' }), 'line.png')).forOcr();
    try {
      expect((await engine.recognize(png)).text).toBe('return items.length;');
      await endedOnce;
      expect(engine.running).toBe(false);
      expect((await engine.recognize(png)).text).toBe('return items.length;');
      expect(engine.running).toBe(true);
    } finally {
      await engine.dispose();
    }
  });
});

describe('the vision path', () => {
  it('sends Moondream the prepared image in `images` of /api/chat, with the OCR text in the prompt', async () => {
    const { node, r, deps } = await visionSetup({ nodeReply: 'The TypeError comes from renderList in TodoList.tsx: it calls map on undefined todos. Default the prop to [].' });
    const events = await collect(ask(input({ question: 'Explain this screenshot.', images: [errorShot()], source: 'panel' }), deps));
    const end = endOf(events);
    expect(end.outcome).toBe('ok');
    expect(events.filter((e) => e.type === 'token').length).toBeGreaterThan(3);
    expect(end.meta).toMatchObject({ route: 'local', node: 'gpu', model: 'moondream:latest', vision: { mode: 'error', localQuality: { issues: [] } } });
    expect(end.meta?.vision?.cloudImageTokensAvoided).toBeGreaterThan(0);

    const [call] = chats(node);
    const body = call!.body as { model: string; messages: { role: string; content: string; images?: string[] }[] };
    expect(body.model).toBe('moondream:latest');
    const user = body.messages.at(-1)!;
    expect(user.images).toHaveLength(1);
    const sent = await sharp(Buffer.from(user.images![0]!, 'base64')).metadata();
    expect(sent.format).toBe('png');
    expect(Math.max(sent.width!, sent.height!)).toBeLessThanOrEqual(378);
    expect(user.content).toMatch(/^The image is a screenshot of an error/);
    expect(user.content).toMatch(/Text read from the image by OCR[^\n]*\n.*TypeError/);
    expect(await rows(r)).toEqual([{ route: 'local', task: 'vision', strategy: 'vision-local', model: 'moondream:latest', outcome: 'ok' }]);
  });

  it('falls back to the cloud when the local answer is a refusal, saying so, and sends the image as a data: URL', async () => {
    const { api, r, deps } = await visionSetup({ nodeReply: "I'm sorry, I cannot see the image.", cloudReply: 'A green rectangle filling the frame.', settings: { ocr: false } });
    const events = await collect(ask(input({ question: 'What is in this picture?', images: [await photo()] }), deps));
    const end = endOf(events);
    expect(end.outcome).toBe('ok');
    expect(end.text).toMatch(/^I'm sorry, I cannot see the image\.\n\n---\n\*Local answer quality 0\.05 \(refusal\): asking gpt-test in the cloud\.\*\n\nA green rectangle filling the frame\.$/);
    expect(end.meta).toMatchObject({ route: 'cloud', model: 'gpt-test', vision: { fellBack: true, localQuality: { score: 0.05, issues: ['refusal'] } } });
    expect(events.filter((e) => e.type === 'routed').map((e) => e.type === 'routed' && e.meta.route)).toEqual(['local', 'cloud']);

    const call = api.requests.find((q) => q.path === '/v1/chat/completions')!;
    const parts = (call.body as { messages: { content: unknown }[] }).messages.at(-1)!.content as { type: string; image_url?: { url: string } }[];
    expect(parts.map((p) => p.type)).toEqual(['text', 'image_url']);
    expect(parts[1]!.image_url!.url).toMatch(/^data:image\/png;base64,iVBOR/);
    expect((await rows(r)).map((x) => x.strategy)).toEqual(['vision-local', 'vision-cloud']);
  });

  it('keeps a poor local answer when local-only mode is on, and nothing goes to the cloud', async () => {
    const { api, deps } = await visionSetup({ nodeReply: 'An image.', settings: { ocr: false }, localOnly: true });
    const end = await collect(ask(input({ images: [await photo()] }), deps)).then(endOf);
    expect(end).toMatchObject({ outcome: 'ok', text: 'An image.', meta: { route: 'local', vision: { localQuality: { issues: ['generic'] } } } });
    expect(api.requests.filter((q) => q.path === '/v1/chat/completions')).toEqual([]);
  });

  it('does not send an image showing a secret to the cloud', async () => {
    const { api, deps } = await visionSetup({ nodeReply: "I can't see images." });
    const secret = asImage(renderCode('OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx1234', { px: 18, theme: 'light' }));
    const end = await collect(ask(input({ question: 'What does this say?', images: [secret] }), deps)).then(endOf);
    expect(end.text).toBe("I can't see images.");
    expect(api.requests.filter((q) => q.path === '/v1/chat/completions')).toEqual([]);
  });

  it('asks the cloud directly when no node has the vision model', async () => {
    const { node, r, deps } = await visionSetup({ models: ['llama3.2:latest'], settings: { ocr: false } });
    const end = await collect(ask(input({ images: [await photo()] }), deps)).then(endOf);
    expect(end).toMatchObject({ outcome: 'ok', text: 'cloud vision answer', meta: { route: 'cloud', reason: expect.stringMatching(/no reachable node has moondream/), vision: { fellBack: false } } });
    expect(chats(node)).toEqual([]);
    expect((await rows(r)).map((x) => x.strategy)).toEqual(['vision-cloud']);
  });

  it('asks the vision model while OCR reads when the question says what it wants, and scores the answer against what OCR read', async () => {
    let ocrDone = Number.POSITIVE_INFINITY;
    const log = { ...silentLogger, debug: (m: string) => void (m.startsWith('OCR read') && (ocrDone = Date.now())) };
    const { node, deps } = await visionSetup({ nodeReply: 'The TypeError comes from renderList in TodoList.tsx: it calls map on undefined todos.', log });
    const end = endOf(await collect(ask(input({ question: 'What causes the error in this screenshot?', images: [errorShot()], source: 'panel' }), deps)));
    const [chat] = node.requests.filter((q) => q.path === '/api/chat');
    expect(chat!.startedAt).toBeLessThan(ocrDone);
    expect(end.meta).toMatchObject({ route: 'local', vision: { mode: 'error', localQuality: { issues: [] } } });
    expect(end.meta!.vision!.ocrChars).toBeGreaterThan(40);
  });

  it("gives the cloud the text OCR read beside a local answer that fell short", async () => {
    const { api, deps } = await visionSetup({ nodeReply: "I'm sorry, I cannot see the image." });
    const end = endOf(await collect(ask(input({ question: 'What causes the error in this screenshot?', images: [errorShot()] }), deps)));
    expect(end.meta).toMatchObject({ route: 'cloud', vision: { fellBack: true } });
    const call = api.requests.find((q) => q.path === '/v1/chat/completions')!;
    const parts = (call.body as { messages: { content: unknown }[] }).messages.at(-1)!.content as { type: string; text?: string }[];
    expect(parts[0]!.text).toMatch(/Text read from the image by OCR[^\n]*\n.*TypeError/);
  });

  it('answers "extract the code" from OCR alone, as a code block, without a model', async () => {
    const { node, api, r, deps } = await visionSetup();
    const code = 'const answer = compute(42);\nconsole.log(answer);';
    const end = await collect(ask(input({ question: 'Extract the code', images: [asImage(renderCode(code, { px: 16, theme: 'light' }))] }), deps)).then(endOf);
    const block = /^```text\n([\s\S]*)\n```\n$/.exec(end.text);
    expect(characterErrorRate(code, block?.[1] ?? '')).toBeLessThanOrEqual(0.03);
    expect(end.meta).toMatchObject({ route: 'local', node: 'this editor host (OCR)', model: 'tesseract.js (OCR)', vision: { mode: 'extract' } });
    expect(chats(node)).toEqual([]);
    expect(api.requests.filter((q) => q.path === '/v1/chat/completions')).toEqual([]);
    expect(await rows(r)).toEqual([{ route: 'local', task: 'vision', strategy: 'vision-ocr', model: 'tesseract.js (OCR)', outcome: 'ok' }]);
  });

  it('answers a broken image with a clear error and sends nothing', async () => {
    const { node, deps } = await visionSetup();
    const png = await (await photo()).base64;
    const broken: ImageInput = { mimeType: 'image/png', base64: Buffer.from(png, 'base64').subarray(0, 200).toString('base64') };
    const end = await collect(ask(input({ images: [broken] }), deps)).then(endOf);
    expect(end).toMatchObject({ outcome: 'error', error: expect.stringMatching(/^The image looks like a PNG file but could not be decoded .*truncated or damaged/) });
    expect(chats(node)).toEqual([]);
  });
});

describe('the fixture node', () => {
  it('rejects images that are not base64, as Ollama does', async () => {
    const node = await ollama({ models: ['moondream'] });
    const res = await fetch(`${node.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'moondream', messages: [{ role: 'user', content: 'hi', images: ['not base64!'] }] }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'illegal base64 data at input byte 3' });
  });
});
