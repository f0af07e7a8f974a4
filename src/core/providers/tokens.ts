/** Rough token count (about 4 characters a token for English and code) for providers that report no usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
