/** A codicon glyph (the font ships with the page); decorative, so hidden from screen readers. */
export function codicon(name: string): HTMLElement {
  const icon = document.createElement('span');
  icon.className = `codicon codicon-${name}`;
  icon.setAttribute('aria-hidden', 'true');
  return icon;
}
