// The image task modes the user can pick (panel selector, --mode): the webview offers them and the host
// validates them, so the list lives in src/shared; what each mode does is src/core/vision/modes.ts.

export const VISION_MODES = ['auto', 'error', 'describe', 'extract'] as const;
export type VisionMode = (typeof VISION_MODES)[number];

export function isVisionMode(v: unknown): v is VisionMode {
  return typeof v === 'string' && (VISION_MODES as readonly string[]).includes(v);
}
