// The typed handle on the VS Code webview API. acquireVsCodeApi may be called only once per page, so
// each page calls `connect` once (in its own vscodeApi.ts) and every module imports that.

export interface VsCodeApi<Message, State> {
  postMessage(message: Message): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

export function connect<Message, State>(): VsCodeApi<Message, State> {
  return acquireVsCodeApi() as VsCodeApi<Message, State>;
}
