// Images in the composer: pasted from the clipboard, dropped from the OS, or sent by "Capture Screenshot".
// Each shows as a removable thumbnail; with any attached, a selector offers the task mode. They go out
// with the next question and the strip empties.

import type { ImageAttachment } from '../../src/shared/protocol';
import { MAX_IMAGES } from '../../src/shared/protocol';
import { isVisionMode, type VisionMode } from '../../src/shared/vision';
import { codicon } from './codicon';

const ACCEPTED = /^image\/(png|jpeg|gif|webp|bmp)$/;
/** Same default as singularity.vision.maxImageMB; the host checks the configured limit again. */
const MAX_BYTES = 20 * 1024 * 1024;

export class Attachments {
  private images: ImageAttachment[] = [];

  constructor(
    private readonly strip: HTMLElement,
    private readonly list: HTMLElement,
    private readonly mode: HTMLSelectElement,
    private readonly notice: HTMLElement,
  ) {
    list.addEventListener('click', (event) => {
      const remove = (event.target as Element).closest<HTMLElement>('.remove-image');
      if (remove) this.remove(Number(remove.dataset.index));
    });
  }

  get count(): number {
    return this.images.length;
  }

  /** Takes what was sent; the strip is empty afterwards. */
  take(): { images: ImageAttachment[]; visionMode: VisionMode } | undefined {
    if (this.images.length === 0) return undefined;
    const taken = { images: this.images, visionMode: isVisionMode(this.mode.value) ? this.mode.value : 'auto' };
    this.images = [];
    this.render();
    return taken;
  }

  add(images: ImageAttachment[]): void {
    const room = MAX_IMAGES - this.images.length;
    if (images.length > room) this.say(`At most ${MAX_IMAGES} images per question; ${images.length - room} not attached.`);
    this.images = [...this.images, ...images.slice(0, Math.max(0, room))];
    this.render();
  }

  /** Image files from a paste or a drop; true when there were any (the default handling is then skipped). */
  async addFiles(files: readonly File[]): Promise<boolean> {
    const images = files.filter((f) => f.type.startsWith('image/'));
    if (images.length === 0) return false;
    const accepted: ImageAttachment[] = [];
    for (const file of images) {
      if (!ACCEPTED.test(file.type)) this.say(`${file.name || 'The image'} is ${file.type}; PNG, JPEG, GIF, WebP and BMP are accepted.`);
      else if (file.size > MAX_BYTES) this.say(`${file.name || 'The image'} is ${(file.size / 1048576).toFixed(1)} MB; up to 20 MB is accepted.`);
      else accepted.push({ name: file.name || 'pasted image', mimeType: file.type, base64: await base64Of(file) });
    }
    this.add(accepted);
    return true;
  }

  private remove(index: number): void {
    this.images = this.images.filter((_, i) => i !== index);
    this.render();
  }

  private say(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
  }

  private render(): void {
    this.strip.hidden = this.images.length === 0;
    if (this.images.length === 0) this.notice.hidden = true;
    this.list.replaceChildren(
      ...this.images.map((image, index) => {
        const item = document.createElement('div');
        item.className = 'attachment';
        const img = document.createElement('img');
        img.src = `data:${image.mimeType};base64,${image.base64}`;
        img.alt = image.name;
        img.title = image.name;
        const remove = document.createElement('button');
        remove.className = 'remove-image';
        remove.dataset.index = String(index);
        remove.title = `Remove ${image.name}`;
        remove.setAttribute('aria-label', `Remove ${image.name}`);
        remove.append(codicon('close'));
        item.append(img, remove);
        return item;
      }),
    );
  }
}

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the image'));
    reader.readAsDataURL(file);
  });
}

/** Thumbnails of the images sent with a question, under its text. */
export function imageStrip(images: readonly { mimeType: string; base64: string }[]): HTMLElement {
  const strip = document.createElement('div');
  strip.className = 'sent-images';
  for (const image of images) {
    const img = document.createElement('img');
    img.src = `data:${image.mimeType};base64,${image.base64}`;
    img.alt = 'attached image';
    strip.append(img);
  }
  return strip;
}
