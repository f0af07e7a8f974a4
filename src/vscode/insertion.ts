// What "Insert" puts into the editor: the code block on lines of its own, so it neither runs into the code
// after the cursor (`}export function …`) nor onto the end of the code before it on the line.

/** `before` and `after`: the text of the cursor's line before the selection and after it. */
export function insertionText(code: string, before: string, after: string): string {
  const body = code.replace(/\n+$/, '');
  return (before.trim() ? '\n' : '') + body + (after.trim() ? '\n' : '');
}
