// Changes Singularity makes to the user's files go through a WorkspaceEdit: one undo step, and, when an entry
// needs confirmation, VS Code's Refactor Preview first (a diff with a checkbox per change; Apply or Discard).
import * as vscode from 'vscode';
import { planApply } from '../core/edits/applyPlan';
import { insertionText } from './insertion';
import { fileEditor } from './context';

export type EditOutcome = 'applied' | 'discarded' | 'changed';

/** Applies `edit` to `document` (through the preview when an entry needs confirmation). */
export async function applyToDocument(edit: vscode.WorkspaceEdit, document: vscode.TextDocument): Promise<EditOutcome> {
  const version = document.version;
  // The edit carries the document's version: VS Code refuses it (false) when the file changed after it was made.
  if (await vscode.workspace.applyEdit(edit, { isRefactoring: true })) return 'applied';
  return document.version !== version ? 'changed' : 'discarded';
}

/** Tells the user what happened to an edit that was not applied, and what to do. */
export function reportNotApplied(outcome: Exclude<EditOutcome, 'applied'>, document: vscode.TextDocument, again: string): void {
  const name = vscode.workspace.asRelativePath(document.uri);
  if (outcome === 'changed') void vscode.window.showWarningMessage(`Singularity: ${name} changed after the change was prepared, so nothing was applied. ${again}`);
  else vscode.window.setStatusBarMessage(`Singularity: change to ${name} discarded`, 5_000);
}

/** "Insert": the code block at the cursor of the file editor (replacing its selection), on lines of its own. */
export async function insertCode(code: string): Promise<boolean> {
  const editor = fileEditor();
  if (!editor) {
    void vscode.window.showWarningMessage('Singularity: open a file to insert the code into.');
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(editor.document.uri, editor.selection, cursorText(editor, code));
  const outcome = await applyToDocument(edit, editor.document);
  if (outcome !== 'applied') reportNotApplied(outcome, editor.document, 'Click Insert again.');
  return outcome === 'applied';
}

/**
 * "Apply to file": the code block replaces what it redefines in the file editor's document (a function, a class,
 * the whole file), or goes in at the cursor when it redefines nothing; the user sees the diff before it applies.
 */
export async function applyCode(code: string): Promise<boolean> {
  const editor = fileEditor();
  if (!editor) {
    void vscode.window.showWarningMessage('Singularity: open the file to apply the code to, then click Apply to File again.');
    return false;
  }
  const { document } = editor;
  const plan = planApply(document.getText(), code);
  const edit = new vscode.WorkspaceEdit();
  if (plan.kind === 'insert') {
    const label = `Insert at line ${editor.selection.start.line + 1} (nothing of the same name in ${vscode.workspace.asRelativePath(document.uri)})`;
    edit.replace(document.uri, editor.selection, cursorText(editor, code), { needsConfirmation: true, label });
  } else {
    for (const e of plan.edits) {
      edit.replace(document.uri, new vscode.Range(document.positionAt(e.start), document.positionAt(e.end)), e.text, { needsConfirmation: true, label: e.label });
    }
  }
  const outcome = await applyToDocument(edit, document);
  if (outcome !== 'applied') reportNotApplied(outcome, document, 'Click Apply to File again.');
  return outcome === 'applied';
}

function cursorText(editor: vscode.TextEditor, code: string): string {
  const { selection, document } = editor;
  const before = document.lineAt(selection.start.line).text.slice(0, selection.start.character);
  const after = document.lineAt(selection.end.line).text.slice(selection.end.character);
  return insertionText(code, before, after);
}
