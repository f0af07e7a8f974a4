// The batch commands: explain several files, write doc comments for every function of a file, review
// the files changed since HEAD. Each gathers its items here, runs them with runBatch (src/core/batch)
// under a cancellable progress notification, and opens the Markdown report in an untitled editor.
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Routing } from '../core/app';
import type { Logger } from '../core/log';
import type { ContextItem } from '../core/types';
import { poolCapacity, runBatch, type BatchItem } from '../core/batch/parallel';
import { batchReport } from '../core/batch/report';
import { guardedCommand } from './guardedCommand';

const run = promisify(execFile);

export interface BatchCommandDeps {
  routing(): Routing;
  /** The workspace whose few-shot examples the batch's requests get. */
  workspaceKey: string;
  log: Logger;
}

/** Files bigger than this are left out of a batch (named in the report). */
export const MAX_BATCH_FILE_BYTES = 200 * 1024;
const EXCLUDE = '**/{node_modules,.git,dist,out,build,.e2e,coverage,.next,target,__pycache__,.venv}/**';
const MAX_PICKABLE_FILES = 5000;

const EXPLAIN_QUESTION = 'Explain what this file does, its main parts and how they fit together.';
const REVIEW_QUESTION = 'Review this change: bugs, risks, and concrete improvements.';
const docQuestion = (language: string) => `Write a doc comment for this function in the idiomatic style of ${language}. Reply with only the comment.`;

const FUNCTION_KINDS = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);

/** What a command gathered: items to run, plus notes for the report (skipped files and why). */
interface Gathered {
  items: BatchItem[];
  notes: string[];
  /** Overrides the command's default report title. */
  title?: string;
}

export function registerBatchCommands(deps: BatchCommandDeps): vscode.Disposable[] {
  const command = (id: string, handler: (...args: unknown[]) => Promise<void>) => guardedCommand(id, handler, deps.log);

  return [
    command('singularity.explainFiles', async (uri, uris) => {
      const gathered = await explainItems(await filesToExplain(uri, uris));
      if (gathered) await runAndReport('Explain Selected Files', gathered, deps);
    }),
    command('singularity.docComments', async (uri) => {
      const gathered = await docCommentItems(uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri);
      if (gathered) await runAndReport('Doc Comments for Functions', gathered, deps);
    }),
    command('singularity.reviewChanges', async () => {
      const gathered = await reviewItems();
      if (gathered) await runAndReport('Review of Changed Files', gathered, deps);
    }),
  ];
}

/** Runs the items under a cancellable progress notification, then opens the report. */
async function runAndReport(title: string, gathered: Gathered, deps: BatchCommandDeps): Promise<void> {
  const { items, notes } = gathered;
  title = gathered.title ?? title;
  if (items.length === 0) {
    void vscode.window.showWarningMessage(`Singularity: nothing to do.${notes.length ? ` ${notes.join(' ')}` : ''}`);
    return;
  }
  const routing = deps.routing();
  const concurrency = poolCapacity(routing.deps);
  const total = items.length;
  deps.log.info(`${title}: ${total} item(s), ${concurrency} at a time`);
  const started = Date.now();
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Singularity: ${title}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      progress.report({ message: `0/${total} done` });
      try {
        return await runBatch(items, routing.deps, {
          concurrency,
          signal: controller.signal,
          workspace: deps.workspaceKey,
          onItem: (p) => progress.report({ increment: 100 / total, message: `${p.done}/${total} done` }),
        });
      } finally {
        subscription.dispose();
      }
    },
  );
  const wallMs = Date.now() - started;
  const failed = results.filter((r) => r.outcome !== 'ok').length;
  deps.log.info(`${title}: ${total - failed}/${total} ok in ${wallMs} ms`);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: batchReport(title, results, { wallMs, notes }) });
  await vscode.window.showTextDocument(doc, { preview: false });
}

// ---------------------------------------------------------------------------------------------
// Explain Selected Files

/** The explorer passes (clicked, selection); the palette passes nothing, so the user picks files. */
async function filesToExplain(uri: unknown, uris: unknown): Promise<vscode.Uri[] | undefined> {
  const selected = Array.isArray(uris) ? uris.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
  if (selected.length > 0) return selected;
  if (uri instanceof vscode.Uri) return [uri];
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showWarningMessage('Singularity: open a folder first, then pick files to explain.');
    return undefined;
  }
  const found = await vscode.workspace.findFiles('**/*', EXCLUDE, MAX_PICKABLE_FILES);
  const picks = found
    .map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u }))
    .sort((a, b) => a.label.localeCompare(b.label));
  if (picks.length === 0) {
    void vscode.window.showWarningMessage('Singularity: no files found in the workspace.');
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(picks, {
    title: 'Explain Selected Files',
    placeHolder: 'Pick the files to explain (Space toggles, Enter runs)',
    canPickMany: true,
    ignoreFocusOut: true,
  });
  return chosen && chosen.length > 0 ? chosen.map((c) => c.uri) : undefined;
}

async function explainItems(uris: vscode.Uri[] | undefined): Promise<Gathered | undefined> {
  if (!uris) return undefined;
  const items: BatchItem[] = [];
  const notes: string[] = [];
  for (const uri of uris) {
    const path = vscode.workspace.asRelativePath(uri);
    const file = await readSmallTextFile(uri, path);
    if ('skipped' in file) {
      notes.push(file.skipped);
      continue;
    }
    items.push({
      id: `explain:${path}`,
      title: path,
      question: EXPLAIN_QUESTION,
      context: [{ kind: 'file', path, language: file.language, text: file.text }],
      category: 'explainFiles',
    });
  }
  return { items, notes };
}

async function readSmallTextFile(uri: vscode.Uri, path: string): Promise<{ language: string; text: string } | { skipped: string }> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type & vscode.FileType.Directory) return { skipped: `Skipped ${path}: it is a folder.` };
    if (stat.size > MAX_BATCH_FILE_BYTES) {
      return { skipped: `Skipped ${path}: ${Math.round(stat.size / 1024)} KB is over the ${MAX_BATCH_FILE_BYTES / 1024} KB limit for a batch item.` };
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    return { language: doc.languageId, text: doc.getText() };
  } catch (err) {
    // openTextDocument refuses binary files; a file may also vanish between the pick and the read.
    return { skipped: `Skipped ${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Write Doc Comments for Functions in This File

async function docCommentItems(uri: vscode.Uri | undefined): Promise<Gathered | undefined> {
  if (!uri) {
    void vscode.window.showWarningMessage('Singularity: open a file first, then run "Write Doc Comments for Functions in This File".');
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const path = vscode.workspace.asRelativePath(uri);
  if (Buffer.byteLength(doc.getText()) > MAX_BATCH_FILE_BYTES) {
    void vscode.window.showWarningMessage(`Singularity: ${path} is over ${MAX_BATCH_FILE_BYTES / 1024} KB; pick a smaller file.`);
    return undefined;
  }
  const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
    'vscode.executeDocumentSymbolProvider',
    uri,
  );
  if (!symbols || symbols.length === 0) {
    void vscode.window.showWarningMessage(
      `Singularity: no symbol provider answered for ${path} (language "${doc.languageId}"). Install or enable a language extension for it, wait until it has loaded, and try again.`,
    );
    return undefined;
  }
  const functions = functionSymbols(symbols);
  if (functions.length === 0) {
    void vscode.window.showInformationMessage(`Singularity: no functions or methods found in ${path}.`);
    return undefined;
  }
  const language = languageName(doc.languageId);
  const items = functions.map(({ name, range }): BatchItem => {
    const line = range.start.line + 1;
    const context: ContextItem[] = [{ kind: 'selection', path: `${path}:${line}`, language: doc.languageId, text: doc.getText(range) }];
    return { id: `doc:${path}:${line}:${name}`, title: `${name} (line ${line})`, question: docQuestion(language), context, category: 'docComments' };
  });
  return { items, notes: [], title: `Doc Comments for ${path}` };
}

/** Functions, methods and constructors at any depth (methods sit inside classes), in file order. */
function functionSymbols(symbols: readonly (vscode.DocumentSymbol | vscode.SymbolInformation)[]): { name: string; range: vscode.Range }[] {
  const out: { name: string; range: vscode.Range }[] = [];
  const walk = (list: readonly (vscode.DocumentSymbol | vscode.SymbolInformation)[], parent?: string) => {
    for (const s of list) {
      const range = 'range' in s ? s.range : s.location.range;
      const name = parent && s.kind !== vscode.SymbolKind.Function ? `${parent}.${s.name}` : s.name;
      if (FUNCTION_KINDS.has(s.kind)) out.push({ name, range });
      if ('children' in s && s.children.length > 0) walk(s.children, s.name);
    }
  };
  walk(symbols);
  return out.sort((a, b) => a.range.start.compareTo(b.range.start));
}

const LANGUAGE_NAMES: Record<string, string> = {
  typescript: 'TypeScript',
  typescriptreact: 'TypeScript (TSDoc)',
  javascript: 'JavaScript (JSDoc)',
  javascriptreact: 'JavaScript (JSDoc)',
  python: 'Python (docstrings)',
  java: 'Java (Javadoc)',
  csharp: 'C# (XML doc comments)',
  cpp: 'C++ (Doxygen)',
  c: 'C (Doxygen)',
  go: 'Go',
  rust: 'Rust (rustdoc)',
  php: 'PHP (PHPDoc)',
  ruby: 'Ruby (YARD)',
  kotlin: 'Kotlin (KDoc)',
  swift: 'Swift',
  shellscript: 'shell scripts',
};

function languageName(languageId: string): string {
  return LANGUAGE_NAMES[languageId] ?? languageId;
}

// ---------------------------------------------------------------------------------------------
// Review Changed Files (git)

async function reviewItems(): Promise<Gathered | undefined> {
  const folder = workspaceFolder();
  if (!folder) {
    void vscode.window.showWarningMessage('Singularity: open a folder that is a git repository first.');
    return undefined;
  }
  const cwd = folder.uri.fsPath;
  let names: string[];
  try {
    const { stdout } = await run('git', ['diff', 'HEAD', '--name-only', '-z'], { cwd, maxBuffer: 16 * 1024 * 1024 });
    names = stdout.split('\0').filter(Boolean);
  } catch (err) {
    void vscode.window.showWarningMessage(`Singularity: ${gitProblem(err, folder.name)}`);
    return undefined;
  }
  if (names.length === 0) {
    void vscode.window.showInformationMessage(`Singularity: no changes against HEAD in ${folder.name} (new untracked files are not included until added).`);
    return undefined;
  }
  const items: BatchItem[] = [];
  const notes: string[] = [];
  for (const name of names) {
    try {
      const { stdout } = await run('git', ['diff', 'HEAD', '--', name], { cwd, maxBuffer: 64 * 1024 * 1024 });
      if (!stdout.trim()) {
        notes.push(`Skipped ${name}: the diff is empty (mode change only?).`);
      } else if (Buffer.byteLength(stdout) > MAX_BATCH_FILE_BYTES) {
        notes.push(`Skipped ${name}: its diff is over the ${MAX_BATCH_FILE_BYTES / 1024} KB limit for a batch item.`);
      } else {
        items.push({
          id: `review:${name}`,
          title: name,
          question: REVIEW_QUESTION,
          context: [{ kind: 'file', path: `${name} (git diff HEAD)`, language: 'diff', text: stdout }],
          category: 'reviewChanges',
        });
      }
    } catch (err) {
      notes.push(`Skipped ${name}: ${gitProblem(err, folder.name)}`);
    }
  }
  return { items, notes };
}

/** The folder of the active editor's file, else the first one. */
function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) || vscode.workspace.workspaceFolders?.[0];
}

function gitProblem(err: unknown, folder: string): string {
  const e = err as { code?: unknown; stderr?: unknown; message?: string };
  if (e.code === 'ENOENT') return 'git is not installed or not on the PATH.';
  const stderr = typeof e.stderr === 'string' ? e.stderr : '';
  if (/not a git repository/i.test(stderr)) return `${folder} is not a git repository.`;
  if (/ambiguous argument 'HEAD'|unknown revision|bad revision 'HEAD'/i.test(stderr)) return `${folder} has no commits yet, so there is no HEAD to compare with.`;
  return `git failed: ${(stderr || e.message || String(err)).trim().slice(0, 300)}`;
}
