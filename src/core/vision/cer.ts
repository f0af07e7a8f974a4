// Character error rate of OCR output against the known text: edit distance over the reference length,
// whitespace collapsed first, since OCR loses indentation and code keeps its meaning without it.

export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function characterErrorRate(reference: string, recognized: string): number {
  const a = normalizeWhitespace(reference);
  const b = normalizeWhitespace(recognized);
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]! / a.length;
}
