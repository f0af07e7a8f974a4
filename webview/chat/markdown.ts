// Renders model output (untrusted) as markdown. Three layers keep it inert: markdown-it with html:false
// escapes raw HTML and links only to http(s)/mailto, images are disabled so an answer cannot make
// the webview fetch a URL (a known prompt-injection exfiltration channel), and DOMPurify sanitizes the
// result anyway in case any of that ever changes.

import DOMPurify, { type Config } from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt, { type MarkdownIt as Markdown } from 'markdown-it';

// Only common languages are registered: the full highlight.js build would triple the bundle.
const LANGUAGES = { bash, c, cpp, csharp, css, diff, go, java, javascript, json, markdown, python, rust, shell, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

const md: Markdown = new MarkdownIt({ html: false, linkify: true, highlight: highlightFence });
md.disable('image');
// Relative links would resolve against the webview's resource origin; only real destinations make sense.
md.validateLink = (url) => /^(https?:|mailto:)/i.test(url);
moveTableAlignmentToClasses(md);

const PURIFY_CONFIG: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['img', 'style', 'form', 'input', 'button'],
  // Inline styles would be refused by the CSP (and reported); nothing we render needs them.
  FORBID_ATTR: ['style'],
};

/** Replaces the children of `target` with the sanitized rendering of `text`. */
export function renderMarkdownInto(target: HTMLElement, text: string): void {
  const fragment = DOMPurify.sanitize(md.render(text), { ...PURIFY_CONFIG, RETURN_DOM_FRAGMENT: true });
  target.replaceChildren(fragment);
}

function highlightFence(code: string, lang: string): string {
  const language = lang && hljs.getLanguage(lang) ? lang : undefined;
  const body = language ? hljs.highlight(code, { language, ignoreIllegals: true }).value : md.utils.escapeHtml(code);
  const langClass = language ? ` language-${md.utils.escapeHtml(language)}` : '';
  // Starting with <pre makes markdown-it use this markup as is instead of wrapping it again.
  return `<pre><code class="hljs${langClass}">${body}</code></pre>`;
}

/** markdown-it aligns table cells with style="text-align:…", which the CSP forbids; use classes instead. */
function moveTableAlignmentToClasses(parser: Markdown): void {
  for (const rule of ['th_open', 'td_open']) {
    parser.renderer.rules[rule] = (tokens, idx, options, _env, self) => {
      const token = tokens[idx];
      const align = /text-align:(left|right|center)/.exec(String(token.attrGet('style') ?? ''))?.[1];
      if (align) {
        token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
        token.attrJoin('class', `align-${align}`);
      }
      return self.renderToken(tokens, idx, options);
    };
  }
}
