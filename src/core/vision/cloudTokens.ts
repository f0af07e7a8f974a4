// What a cloud vision model bills for an image, by OpenAI's published rule for GPT-4o-class models at
// high detail: the image is scaled to fit 2048 × 2048, then its short side to 768; each 512 px tile
// costs 170 tokens, plus 85 for the image. Other providers bill similar magnitudes by other rules; this
// one is the figure the dashboard and docs/MULTIMODALITY.md use for "cloud image tokens avoided".

const BASE_TOKENS = 85;
const TILE_TOKENS = 170;
const TILE = 512;

export function cloudImageTokens(width: number, height: number): number {
  if (width <= 0 || height <= 0) return 0;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortSide = Math.min(1, 768 / Math.min(w, h));
  w *= shortSide;
  h *= shortSide;
  return BASE_TOKENS + TILE_TOKENS * Math.ceil(w / TILE) * Math.ceil(h / TILE);
}
