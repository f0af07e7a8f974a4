// Runs a batch's items under a cancellable progress notification, and opens its Markdown report.
import * as vscode from 'vscode';
import type { Routing } from '../core/app';
import type { Logger } from '../core/log';
import { poolCapacity, runBatch, type BatchItem, type BatchResult } from '../core/batch/parallel';
import { batchReport } from '../core/batch/report';

/** Files bigger than this are left out of a batch (named in the report). */
export const MAX_BATCH_FILE_BYTES = 200 * 1024;

export interface BatchCommandDeps {
  routing(): Routing;
  /** The workspace whose few-shot examples the batch's requests get. */
  workspaceKey: string;
  log: Logger;
}

export interface BatchRun {
  results: BatchResult[];
  wallMs: number;
}

export async function runWithProgress(title: string, items: BatchItem[], deps: BatchCommandDeps): Promise<BatchRun> {
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
  return { results, wallMs };
}

export async function openReport(title: string, run: BatchRun, notes: readonly string[]): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: batchReport(title, run.results, { wallMs: run.wallMs, notes }) });
  await vscode.window.showTextDocument(doc, { preview: false });
}
