// @tesseract.js-data/eng ships no typings: its index.js exports where its traineddata lies.
declare module '@tesseract.js-data/eng' {
  export const code: string;
  export const gzip: boolean;
  export const langPath: string;
}
