// Which grammar parses a file, and how an elision marker is written in it. Languages are named by VS Code
// language ids (what the editor attaches to context); the CLI, which has only paths, maps extensions here too.

/** Grammars shipped from @vscode/tree-sitter-wasm (dist/grammars/tree-sitter-NAME.wasm). C is parsed by the C++ grammar. */
export const GRAMMARS = ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'cpp', 'c-sharp', 'ruby', 'php', 'bash'] as const;
export type Grammar = (typeof GRAMMARS)[number];

const GRAMMAR_OF_LANGUAGE: Record<string, Grammar> = {
  typescript: 'typescript',
  typescriptreact: 'tsx',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  python: 'python',
  go: 'go',
  rust: 'rust',
  java: 'java',
  c: 'cpp',
  cpp: 'cpp',
  csharp: 'c-sharp',
  ruby: 'ruby',
  php: 'php',
  shellscript: 'bash',
};

const LANGUAGE_OF_EXTENSION: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'typescriptreact',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascriptreact',
  py: 'python', pyi: 'python', go: 'go', rs: 'rust', java: 'java',
  c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hh: 'cpp', hpp: 'cpp', hxx: 'cpp',
  cs: 'csharp', rb: 'ruby', php: 'php', sh: 'shellscript', bash: 'shellscript',
  md: 'markdown', markdown: 'markdown',
};

/** The VS Code language id for a path, from its extension; undefined for unknown extensions (plain text). */
export function languageOfPath(path: string): string | undefined {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext ? LANGUAGE_OF_EXTENSION[ext] : undefined;
}

export function grammarOf(language: string | undefined, path: string): Grammar | undefined {
  const id = language ?? languageOfPath(path);
  return id ? GRAMMAR_OF_LANGUAGE[id] : undefined;
}

export function isMarkdown(language: string | undefined, path: string): boolean {
  return (language ?? languageOfPath(path)) === 'markdown';
}

const HASH_COMMENT = new Set(['python', 'ruby', 'shellscript', 'yaml', 'toml', 'perl', 'r', 'dockerfile', 'makefile', 'powershell']);
const DASH_COMMENT = new Set(['sql', 'lua', 'haskell']);
const MARKUP = new Set(['markdown', 'html', 'xml', 'vue', 'svelte']);

/** `// ... 120 lines omitted ...` in the file's own comment syntax, so the model reads it as a note, not as code. */
export function elisionMarker(lines: number, language: string | undefined, path: string, indent = ''): string {
  const id = language ?? languageOfPath(path) ?? '';
  const note = `... ${lines} line${lines === 1 ? '' : 's'} omitted ...`;
  if (HASH_COMMENT.has(id)) return `${indent}# ${note}`;
  if (DASH_COMMENT.has(id)) return `${indent}-- ${note}`;
  if (MARKUP.has(id)) return `${indent}<!-- ${note} -->`;
  if (id === 'css') return `${indent}/* ${note} */`;
  if (id === '' || id === 'plaintext') return `${indent}[${note}]`;
  return `${indent}// ${note}`;
}
