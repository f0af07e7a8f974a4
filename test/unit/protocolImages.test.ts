import { describe, expect, it } from 'vitest';
import { isWebviewMessage } from '../../src/shared/protocol';

const image = { name: 'shot.png', mimeType: 'image/png', base64: 'iVBORw0KGgo=' };
const ask = (over: Record<string, unknown>) => ({ type: 'ask', text: 'what is this?', includeContext: false, ...over });

describe('images in chat messages from the webview', () => {
  it('accepts a question with images and a task mode', async () => {
    expect(isWebviewMessage(ask({ images: [image], visionMode: 'extract' }))).toBe(true);
  });

  it('drops more than four images', async () => {
    expect(isWebviewMessage(ask({ images: Array.from({ length: 5 }, () => image) }))).toBe(false);
  });

  it('drops an attachment that is not an image type', async () => {
    expect(isWebviewMessage(ask({ images: [{ ...image, mimeType: 'text/html' }] }))).toBe(false);
  });

  it('drops an attachment without its bytes', async () => {
    expect(isWebviewMessage(ask({ images: [{ name: 'x.png', mimeType: 'image/png' }] }))).toBe(false);
  });

  it('drops an unknown task mode', async () => {
    expect(isWebviewMessage(ask({ images: [image], visionMode: 'summarize' }))).toBe(false);
  });
});
