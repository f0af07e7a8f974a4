// stopword 3.x ships no typings; this is the part of its API we use.
declare module 'stopword' {
  /** English stop words, lower case. */
  export const eng: string[];
}
