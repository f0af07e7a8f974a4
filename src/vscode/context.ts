import * as vscode from 'vscode';
import type { ContextItem } from '../core/types';

const MENTION = /(?:^|\s)@([\w./\\-]+)/g;
const EXCLUDE = '**/{node_modules,.git,dist,out,build,.e2e}/**';
const MAX_FILE_BYTES = 1_000_000;

/** Documents a user edits; the Output panel, logs and other views are text editors too, but not files to send. */
const FILE_SCHEMES = new Set(['file', 'untitled', 'vscode-remote']);

/** The editor of the file the user works in: the active one when it is a file, else the first visible file. */
export function fileEditor(): vscode.TextEditor | undefined {
  return [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors].find((e) => e && FILE_SCHEMES.has(e.document.uri.scheme));
}

/** The selection when there is one, else the whole active file. */
export function editorContext(): ContextItem[] {
  const editor = fileEditor();
  if (!editor) return [];
  const doc = editor.document;
  const path = vscode.workspace.asRelativePath(doc.uri);
  if (!editor.selection.isEmpty) {
    return [{ kind: 'selection', path, language: doc.languageId, text: doc.getText(editor.selection) }];
  }
  return [{ kind: 'file', path, language: doc.languageId, text: doc.getText(), origin: 'active', cursorLine: editor.selection.active.line }];
}

/** Files named with @path in the question, read from the workspace. Unknown names are reported, not guessed. */
export async function mentionedFiles(question: string): Promise<{ items: ContextItem[]; missing: string[] }> {
  const names = [...new Set([...question.matchAll(MENTION)].map((m) => m[1]!))];
  const items: ContextItem[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const [uri] = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.workspace.workspaceFolders?.[0] ?? '', name), EXCLUDE, 1);
    const found = uri ?? (await vscode.workspace.findFiles(`**/${name}`, EXCLUDE, 1))[0];
    if (!found) {
      missing.push(name);
      continue;
    }
    const bytes = await vscode.workspace.fs.readFile(found);
    if (bytes.byteLength > MAX_FILE_BYTES) {
      missing.push(`${name} (over 1 MB)`);
      continue;
    }
    const doc = await vscode.workspace.openTextDocument(found);
    items.push({ kind: 'file', path: vscode.workspace.asRelativePath(found), language: doc.languageId, text: doc.getText(), origin: 'mention' });
  }
  return { items, missing };
}

/** Workspace file names for @ completion; the list is cached and refreshed when files are created or deleted. */
export class FileIndex implements vscode.Disposable {
  private files: Promise<string[]> | undefined;
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);

  constructor() {
    const reset = () => (this.files = undefined);
    this.watcher.onDidCreate(reset);
    this.watcher.onDidDelete(reset);
  }

  async search(query: string, limit = 20): Promise<string[]> {
    this.files ??= Promise.resolve(vscode.workspace.findFiles('**/*', EXCLUDE, 5000)).then((uris) =>
      uris.map((u) => vscode.workspace.asRelativePath(u)).sort(),
    );
    const q = query.toLowerCase();
    const all = await this.files;
    const byName = all.filter((f) => f.toLowerCase().split('/').pop()!.startsWith(q));
    const byPath = all.filter((f) => !byName.includes(f) && f.toLowerCase().includes(q));
    return [...byName, ...byPath].slice(0, limit);
  }

  dispose(): void {
    this.watcher.dispose();
  }
}
