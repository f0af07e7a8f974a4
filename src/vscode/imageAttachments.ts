// Images on their way from the editor (panel attachments, explorer files, screenshots) to the vision
// path: read and named, and shrunk to thumbnails for the conversation.

import * as vscode from 'vscode';
import { basename, extname } from 'node:path';
import type { ImageInput } from '../core/types';
import type { VisionMode } from '../shared/vision';
import { DecodedImage, IMAGE_TYPES, THUMB_SIDE } from '../core/vision/image';
import type { ImageAttachment } from '../shared/protocol';

/** Images sent with one question, and the task mode the user chose for them. */
export interface Attached {
  images: ImageInput[];
  mode?: VisionMode;
}

export const NOTHING_ATTACHED: Attached = { images: [] };

export function fromAttachments(attachments: readonly ImageAttachment[] | undefined, mode?: VisionMode): Attached {
  return { images: (attachments ?? []).map(({ mimeType, base64 }) => ({ mimeType, base64 })), mode };
}

/** An image file as an attachment; its type from the extension (the vision path checks the bytes). */
export async function readImageFile(uri: vscode.Uri): Promise<ImageAttachment> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  const name = basename(uri.path);
  return { name, mimeType: IMAGE_TYPES[extname(name).slice(1).toLowerCase()] ?? 'application/octet-stream', base64: Buffer.from(bytes).toString('base64') };
}

/** Small JPEG copies for the conversation view, kept with it in the store; an image that cannot be decoded gets none (its error comes with the answer). */
export async function thumbnails(images: readonly ImageInput[]): Promise<ImageInput[]> {
  const thumbs = await Promise.all(
    images.map(async (image) => {
      try {
        const { mimeType, base64 } = await (await DecodedImage.decode(Buffer.from(image.base64, 'base64'), 'image')).encode(THUMB_SIDE, 'jpeg');
        return { mimeType, base64 };
      } catch {
        return undefined;
      }
    }),
  );
  return thumbs.filter((t): t is ImageInput => !!t);
}
