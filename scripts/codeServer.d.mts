// Types for scripts/codeServer.mjs (used by test/e2e/harness.ts).

export declare const codeServerEntry: string;
export declare const defaultSettings: Record<string, unknown>;

export interface StartCodeServerOptions {
  /** Folder of the extension to install (holds package.json; the symlink RUN/exts/<publisher>.<name>-<version> points here). */
  extensionDir: string;
  /** Folder opened in the editor. */
  workspaceDir: string;
  /** Run folder (user data, extensions, logs, temp); default: a new temp folder. Reusing one keeps the editor's state. */
  runDir?: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** Default 127.0.0.1 (webviews need a secure context: only localhost over http works). */
  host?: string;
  /** Added to the server's environment; reaches the extension host. undefined deletes a variable. */
  env?: Record<string, string | undefined>;
  /** Merged over the defaults into RUN/ud/User/settings.json. */
  settings?: Record<string, unknown>;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  /** Process group id of the server. */
  pid: number;
  runDir: string;
  /** RUN/code-server.log: the server's stdout and stderr. */
  logFile: string;
  /** The newest session folder under RUN/ud/logs. */
  logsDir(): string;
  /** Resolves when the server process exits: its exit code, null when ended by a signal. */
  exited: Promise<number | null>;
  /** SIGTERM to the whole process group, SIGKILL after 3 s; resolves when the server has exited. Idempotent. */
  stop(): Promise<void>;
}

export declare function freePort(): Promise<number>;
export declare function startCodeServer(options: StartCodeServerOptions): Promise<CodeServer>;
/** Deletes a run folder; the extension symlinks in RUN/exts are unlinked first (they point at the project). */
export declare function removeRunDir(runDir: string): void;
/** The extension's output channel logs (plain and LogOutputChannel) under RUN/ud/logs, concatenated. */
export declare function findExtensionLogs(runDir: string, channel?: RegExp): string;
