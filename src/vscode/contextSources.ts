// Context sources beyond the active editor and @mentions: the other open editors, and the definitions
// of symbols the question names (the workspace symbol provider of each language). Both are implicit:
// bounded here, dropped first when the context is too large, and compressed away for the cloud when
// they are not relevant.

import * as vscode from 'vscode';
import { questionIdentifiers } from '../core/context/codeTokens';
import type { ContextItem } from '../core/types';
import type { ContextSettings } from '../core/context/settings';

export const MAX_OPEN_EDITORS = 3;
export const MAX_OPEN_EDITOR_CHARS = 100_000;
export const MAX_SYMBOLS = 5;
export const MAX_SYMBOL_LINES = 200;
/** A language server that has not started yet must not hold up the question. */
export const SYMBOL_SEARCH_TIMEOUT_MS = 1500;

/** Text files open in tabs (visible ones first), other than the paths already in the context. */
export async function openEditorContext(exclude: ReadonlySet<string>): Promise<ContextItem[]> {
  const visible = vscode.window.visibleTextEditors.map((e) => e.document.uri);
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).flatMap((t) => (t.input instanceof vscode.TabInputText ? [t.input.uri] : []));
  const seen = new Set<string>();
  const items: ContextItem[] = [];
  for (const uri of [...visible, ...tabs]) {
    const path = vscode.workspace.asRelativePath(uri);
    if (items.length >= MAX_OPEN_EDITORS || seen.has(path) || exclude.has(path) || uri.scheme !== 'file') continue;
    seen.add(path);
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = doc.getText();
    if (text.length > MAX_OPEN_EDITOR_CHARS) continue;
    items.push({ kind: 'file', path, language: doc.languageId, text, origin: 'openEditor' });
  }
  return items;
}

/** The definitions of identifiers the question names, found by the workspace symbol provider, outside the excluded paths. */
export async function symbolContext(question: string, exclude: ReadonlySet<string>): Promise<ContextItem[]> {
  const names = questionIdentifiers(question).slice(0, MAX_SYMBOLS);
  if (names.length === 0) return [];
  const found = await withTimeout(
    Promise.all(names.map((n) => vscode.commands.executeCommand<vscode.SymbolInformation[] | undefined>('vscode.executeWorkspaceSymbolProvider', n))),
    SYMBOL_SEARCH_TIMEOUT_MS,
  );
  const items: ContextItem[] = [];
  for (const [k, symbols] of (found ?? []).entries()) {
    const exact = (symbols ?? []).filter((s) => s.name === names[k] && !exclude.has(vscode.workspace.asRelativePath(s.location.uri)));
    for (const s of exact.slice(0, 1)) {
      if (items.length >= MAX_SYMBOLS) break;
      const doc = await vscode.workspace.openTextDocument(s.location.uri);
      const { start, end } = s.location.range;
      const last = Math.min(end.line, start.line + MAX_SYMBOL_LINES - 1);
      const text = doc.getText(new vscode.Range(start.line, 0, last, doc.lineAt(last).text.length));
      items.push({ kind: 'file', path: `${vscode.workspace.asRelativePath(s.location.uri)}:${start.line + 1}-${last + 1}`, language: doc.languageId, text, origin: 'symbol' });
    }
  }
  return items;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([work.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

/** Open editors and symbol definitions for a question, as the settings allow, outside the paths already attached. */
export async function implicitContext(question: string, attached: readonly ContextItem[], settings: Pick<ContextSettings, 'openEditors' | 'symbolSearch'>): Promise<ContextItem[]> {
  const paths = new Set(attached.map((i) => i.path));
  const editors = settings.openEditors ? await openEditorContext(paths) : [];
  for (const e of editors) paths.add(e.path);
  const symbols = settings.symbolSearch ? await symbolContext(question, paths) : [];
  return [...editors, ...symbols];
}
