// Line helpers shared by the edit planners.

export function leadingWhitespace(text: string): string {
  return /^\s*/.exec(text)![0];
}

/** Without the blank lines at either end. */
export function trimBlankLines(lines: readonly string[]): string[] {
  let from = 0;
  let to = lines.length;
  while (from < to && !lines[from]!.trim()) from++;
  while (to > from && !lines[to - 1]!.trim()) to--;
  return lines.slice(from, to);
}
