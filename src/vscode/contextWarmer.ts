// Parses the editor's context ahead of the question. Compressing a large file (for the cloud, or for a
// node whose window it would not fit) is mostly tree-sitter's parse (about 37 of 50 ms for 50k tokens, see
// docs/CONTEXT_COMPRESSION.md); done while the user pauses in the editor, the question itself only ranks
// and selects. It also tells the panel what its
// "Include …" checkbox would send (the selection or the active file) and how large it is.

import * as vscode from 'vscode';
import { prepareCloudContext, type CloudContext } from '../core/context/cloudContext';
import { prepareNodeContext } from '../core/context/nodeContext';
import { contextTokens } from '../core/context/compressor';
import type { Logger } from '../core/log';
import type { ContextItem, PrivacyConfig } from '../core/types';
import type { ActiveContextInfo } from '../shared/protocol';
import { editorContext, mentionedFiles } from './context';
import { openEditorContext } from './contextSources';

/** Quiet time after the last edit or editor switch before parsing: typing is never slowed down. */
export const WARM_DELAY_MS = 400;

export interface WarmerDeps {
  /** The current services' compression (a demo's caches are its own). */
  compression(): Pick<CloudContext, 'compressor' | 'settings'>;
  privacy(): PrivacyConfig;
  cloudConfigured(): boolean;
  show(context: ActiveContextInfo | undefined): void;
  log: Logger;
}

export class ContextWarmer implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[];
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: WarmerDeps) {
    const soon = () => this.schedule();
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor(soon),
      vscode.window.onDidChangeVisibleTextEditors(soon),
      vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && soon()),
      vscode.workspace.onDidChangeTextDocument((e) => vscode.window.visibleTextEditors.some((v) => v.document === e.document) && soon()),
    ];
    this.schedule();
  }

  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue(() => this.warm());
    }, WARM_DELAY_MS);
  }

  /** A file picked from the panel's @ list: parsed now, with the editor's context, as the question will send them. */
  mentionPicked(path: string): void {
    this.enqueue(async () => this.warm((await mentionedFiles(`@${path}`)).items));
  }

  /** One at a time: a parse already running finishes before the next one reads the editors. */
  private enqueue(work: () => Promise<void>): void {
    this.running = this.running.then(work).catch((err: Error) => this.deps.log.warn(`Parsing the context ahead failed: ${err.message}`));
  }

  private async warm(mentioned: readonly ContextItem[] = []): Promise<void> {
    const [active] = editorContext();
    const info: ActiveContextInfo | undefined = active && { label: active.kind === 'selection' ? `selection in ${active.path}` : active.path, tokens: contextTokens([active]) };
    this.deps.show(info);
    if (!active && mentioned.length === 0) return;
    const attached = [...(active ? [active] : []), ...mentioned];
    const items: ContextItem[] = [...attached, ...(this.deps.compression().settings().openEditors ? await openEditorContext(new Set(attached.map((i) => i.path))) : [])];
    // As a cloud request would get them (redacted) and as a node would (as they are): the same text, and so
    // parsed once, unless a secret was redacted.
    const forCloud = this.deps.cloudConfigured() ? await prepareCloudContext(items, this.deps.privacy(), this.deps.compression()) : undefined;
    const forNode = await prepareNodeContext(items, this.deps.compression());
    if (!forCloud && !forNode) return;
    const prepared = { parsed: (forCloud?.parsed ?? 0) + (forNode?.parsed ?? 0), ms: (forCloud?.ms ?? 0) + (forNode?.ms ?? 0) };
    if (prepared.parsed > 0) this.deps.log.debug(`Context parsed ahead: ${items.map((i) => i.path).join(', ')} (${prepared.parsed} new, ${Math.round(prepared.ms)} ms)`);
    if (info) this.deps.show({ ...info, preparedMs: Math.round(prepared.ms) });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
