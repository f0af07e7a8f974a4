// Write Doc Comments for Functions in This File: one batch item per function the language's symbol provider
// finds (documented ones left out), then the answers as one WorkspaceEdit, an entry per function, shown in
// the Refactor Preview: the user ticks the file (all) or single functions, applies, and can undo in one step.
import * as vscode from 'vscode';
import type { BatchItem } from '../core/batch/parallel';
import { hasDocComment, planDocComments, type DocPlan } from '../core/edits/docComments';
import { MAX_BATCH_FILE_BYTES, openReport, runWithProgress, type BatchCommandDeps, type BatchRun } from './batchRun';
import { applyToDocument, reportNotApplied } from './workspaceEdits';

const COMMAND = 'Write Doc Comments for Functions in This File';
const FUNCTION_KINDS = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);
const docQuestion = (language: string) => `Write a doc comment for this function in the idiomatic style of ${language}. Reply with only the comment.`;

interface FunctionSymbol {
  name: string;
  range: vscode.Range;
}

export async function writeDocComments(uri: vscode.Uri | undefined, deps: BatchCommandDeps): Promise<void> {
  if (!uri) {
    void vscode.window.showWarningMessage(`Singularity: open a file first, then run "${COMMAND}".`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const path = vscode.workspace.asRelativePath(uri);
  const functions = await undocumentedFunctions(doc, path);
  if (!functions) return;
  const version = doc.version;
  const language = languageName(doc.languageId);
  const items = functions.map(({ name, range }): BatchItem => {
    const line = range.start.line + 1;
    return {
      id: `doc:${path}:${line}:${name}`,
      title: `${name} (line ${line})`,
      question: docQuestion(language),
      context: [{ kind: 'selection', path: `${path}:${line}`, language: doc.languageId, text: doc.getText(range) }],
      category: 'docComments',
    };
  });
  const title = `Doc Comments for ${path}`;
  const run = await runWithProgress(title, items, deps);
  const showReport = () => openReport(title, run, []);
  if (doc.version !== version) {
    void offerReport(`Singularity: ${path} changed while the comments were written, so none was applied. Run "${COMMAND}" again.`, showReport, 'warning');
    return;
  }
  const plan = planDocComments(
    doc.getText(),
    doc.languageId,
    functions.map((f, i) => {
      const r = run.results[i]!;
      return r.outcome === 'ok' ? { name: f.name, line: f.range.start.line, answer: r.text } : { name: f.name, line: f.range.start.line, error: r.error ?? r.outcome };
    }),
  );
  await applyPlan(doc, plan, run, showReport);
}

async function applyPlan(doc: vscode.TextDocument, plan: DocPlan, run: BatchRun, showReport: () => Promise<void>): Promise<void> {
  const path = vscode.workspace.asRelativePath(doc.uri);
  const skipped = plan.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  if (plan.inserts.length === 0) {
    void offerReport(`Singularity: no doc comment to apply to ${path} (${skipped}).`, showReport, 'warning');
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  for (const insert of plan.inserts) {
    edit.insert(doc.uri, new vscode.Position(insert.line, 0), insert.text, { needsConfirmation: true, label: `Doc comment for ${insert.name}` });
  }
  const outcome = await applyToDocument(edit, doc);
  if (outcome !== 'applied') {
    reportNotApplied(outcome, doc, `Run "${COMMAND}" again.`);
    return;
  }
  const failed = run.results.length - plan.inserts.length;
  const message = `Singularity: applied the doc comments you kept to ${path}; Undo (Ctrl+Z) takes them all out again.`;
  if (failed > 0) void offerReport(`${message} ${failed} function(s) got none: ${skipped}.`, showReport, 'warning');
  else void offerReport(message, showReport, 'info');
}

async function offerReport(message: string, showReport: () => Promise<void>, level: 'info' | 'warning'): Promise<void> {
  const show = level === 'info' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  if ((await show(message, 'Show Report')) === 'Show Report') await showReport();
}

/** The functions to comment, or undefined after telling the user why there are none. */
async function undocumentedFunctions(doc: vscode.TextDocument, path: string): Promise<FunctionSymbol[] | undefined> {
  if (Buffer.byteLength(doc.getText()) > MAX_BATCH_FILE_BYTES) {
    void vscode.window.showWarningMessage(`Singularity: ${path} is over ${MAX_BATCH_FILE_BYTES / 1024} KB; pick a smaller file.`);
    return undefined;
  }
  const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', doc.uri);
  if (!symbols || symbols.length === 0) {
    void vscode.window.showWarningMessage(
      `Singularity: no symbol provider answered for ${path} (language "${doc.languageId}"). Install or enable a language extension for it, wait until it has loaded, and try again.`,
    );
    return undefined;
  }
  const all = functionSymbols(symbols);
  if (all.length === 0) {
    void vscode.window.showInformationMessage(`Singularity: no functions or methods found in ${path}.`);
    return undefined;
  }
  const text = doc.getText();
  const functions = all.filter((f) => !hasDocComment(text, doc.languageId, f.range.start.line));
  if (functions.length === 0) {
    void vscode.window.showInformationMessage(`Singularity: every function in ${path} has a doc comment already.`);
    return undefined;
  }
  return functions;
}

/** Functions, methods and constructors at any depth (methods sit inside classes), in file order. */
function functionSymbols(symbols: readonly (vscode.DocumentSymbol | vscode.SymbolInformation)[]): FunctionSymbol[] {
  const out: FunctionSymbol[] = [];
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
