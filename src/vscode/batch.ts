// The batch commands: explain several files, write doc comments for every function of a file, review
// the files changed since HEAD. Explain and Review gather their items here, run them under a cancellable
// progress notification (batchRun.ts) and open the Markdown report; Write Doc Comments (docComments.ts)
// offers its answers as an edit instead.
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BatchItem } from '../core/batch/parallel';
import { guardedCommand } from './guardedCommand';
import { MAX_BATCH_FILE_BYTES, openReport, runWithProgress, type BatchCommandDeps } from './batchRun';
import { writeDocComments } from './docComments';

const run = promisify(execFile);

const EXCLUDE = '**/{node_modules,.git,dist,out,build,.e2e,coverage,.next,target,__pycache__,.venv}/**';
const MAX_PICKABLE_FILES = 5000;

const EXPLAIN_QUESTION = 'Explain what this file does, its main parts and how they fit together.';
const REVIEW_QUESTION = 'Review this change: bugs, risks, and concrete improvements.';

/** What a command gathered: items to run, plus notes for the report (skipped files and why). */
interface Gathered {
  items: BatchItem[];
  notes: string[];
}

export function registerBatchCommands(deps: BatchCommandDeps): vscode.Disposable[] {
  const command = (id: string, handler: (...args: unknown[]) => Promise<void>) => guardedCommand(id, handler, deps.log);

  return [
    command('singularity.explainFiles', async (uri, uris) => {
      const gathered = await explainItems(await filesToExplain(uri, uris));
      if (gathered) await runAndReport('Explain Selected Files', gathered, deps);
    }),
    command('singularity.docComments', (uri) => writeDocComments(uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri, deps)),
    command('singularity.reviewChanges', async () => {
      const gathered = await reviewItems();
      if (gathered) await runAndReport('Review of Changed Files', gathered, deps);
    }),
  ];
}

/** Runs the items under a cancellable progress notification, then opens the report. */
async function runAndReport(title: string, gathered: Gathered, deps: BatchCommandDeps): Promise<void> {
  const { items, notes } = gathered;
  if (items.length === 0) {
    void vscode.window.showWarningMessage(`Singularity: nothing to do.${notes.length ? ` ${notes.join(' ')}` : ''}`);
    return;
  }
  await openReport(title, await runWithProgress(title, items, deps), notes);
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
