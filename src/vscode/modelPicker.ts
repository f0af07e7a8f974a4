// "Singularity Auto" in VS Code's model picker, through the Language Model Chat Provider API where the
// editor has it (VS Code 1.104+). Feature-detected: VS Code 1.100 and Cursor lack it, and there this
// registers nothing and says so in the log. Requests go through the same pipeline as the chat panel.

import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log';
import { ask, type PipelineDeps } from '../core/pipeline';
import { estimateTokens } from '../core/providers/tokens';
import { splitConversation, type PlainMessage } from '../core/proxy/conversation';

const VENDOR = 'singularity';

interface ModelInformation {
  id: string;
  name: string;
  family: string;
  version: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  tooltip?: string;
  capabilities: { imageInput?: boolean; toolCalling?: boolean | number };
}

/** The provider shape of the finalized API, declared here because @types/vscode 1.100 predates it. */
interface ChatProviderApi {
  registerLanguageModelChatProvider?: (
    vendor: string,
    provider: {
      provideLanguageModelChatInformation(options: unknown, token: vscode.CancellationToken): ModelInformation[];
      provideLanguageModelChatResponse(
        model: ModelInformation,
        messages: readonly { role: vscode.LanguageModelChatMessageRole; content: readonly unknown[] }[],
        options: unknown,
        progress: vscode.Progress<vscode.LanguageModelTextPart>,
        token: vscode.CancellationToken,
      ): Promise<void>;
      provideTokenCount(model: ModelInformation, text: string | { content: readonly unknown[] }, token: vscode.CancellationToken): Promise<number>;
    },
  ) => vscode.Disposable;
}

const AUTO: ModelInformation = {
  id: 'singularity-auto',
  name: 'Singularity Auto',
  family: 'singularity',
  version: '1',
  maxInputTokens: 32_000,
  maxOutputTokens: 4_096,
  tooltip: 'Routed by Singularity: your Ollama nodes or your cloud model, whichever is good enough.',
  capabilities: { imageInput: false, toolCalling: false },
};

const textOf = (content: readonly unknown[]): string =>
  content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');

export function registerModelPicker(deps: () => PipelineDeps, log: Logger): vscode.Disposable[] {
  const api = vscode.lm as unknown as ChatProviderApi;
  if (typeof api.registerLanguageModelChatProvider !== 'function') {
    log.info(`Model picker: this editor (VS Code ${vscode.version}) has no Language Model Chat Provider API; "Singularity Auto" is not registered there.`);
    return [];
  }
  const disposable = api.registerLanguageModelChatProvider(VENDOR, {
    provideLanguageModelChatInformation: () => [AUTO],
    async provideLanguageModelChatResponse(_model, messages, _options, progress, token) {
      const plain: PlainMessage[] = messages.map((m) => ({ role: m.role === vscode.LanguageModelChatMessageRole.Assistant ? 'assistant' : 'user', content: textOf(m.content) }));
      const { question, history } = splitConversation(plain);
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        // Tokens reported to the editor cannot be taken back, so a weak answer is scored, not replaced.
        const events = ask({ id: randomUUID(), question, history, context: [], route: 'auto', source: 'proxy', category: 'modelPicker', signal: controller.signal }, deps(), { escalate: false });
        for await (const event of events) {
          if (event.type === 'token') progress.report(new vscode.LanguageModelTextPart(event.text));
          if (event.type === 'end' && event.result.outcome === 'error') throw new Error(event.result.error);
        }
      } finally {
        cancel.dispose();
      }
    },
    provideTokenCount: async (_model, text) => estimateTokens(typeof text === 'string' ? text : textOf(text.content)),
  });
  log.info('Model picker: "Singularity Auto" registered.');
  return [disposable];
}
