// A stand-in for the `vscode` module, enough for the built extension's activate() to run in plain Node
// (bench/activation.ts). What must behave is real: settings return their defaults, events can be listened
// to and fired, secrets are empty, Uris have paths. Everything else activate() reaches (registering
// commands, views, status bar items, output channels) is a recorder: any member is a callable that returns
// another recorder, which is also a disposable; `touched` lists what was reached, for the results file.

import { join } from 'node:path';

export const touched = new Set<string>();

/** A value standing for any API object: callable, constructible, every member another such value. */
function recorder(path: string): unknown {
  const set = new Map<PropertyKey, unknown>();
  const target = function stub() {};
  return new Proxy(target, {
    get(_t, prop) {
      if (set.has(prop)) return set.get(prop);
      // Not a promise, not iterable, prints as nothing: a recorder must not be mistaken for data.
      if (prop === 'then' || prop === '__esModule' || prop === Symbol.iterator || prop === Symbol.asyncIterator) return undefined;
      if (prop === Symbol.toPrimitive) return () => '';
      const name = `${path}.${String(prop)}`;
      touched.add(name);
      const value = recorder(name);
      set.set(prop, value);
      return value;
    },
    set(_t, prop, value) {
      set.set(prop, value);
      return true;
    },
    apply: () => recorder(`${path}()`),
    construct: () => recorder(`new ${path}`) as object,
  });
}

class EventEmitter<T> {
  private readonly listeners = new Set<(e: T) => void>();
  readonly event = (listener: (e: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Uri {
  private constructor(readonly scheme: string, readonly fsPath: string) {}
  get path(): string {
    return this.fsPath;
  }
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, join(base.fsPath, ...parts));
  }
  static parse(value: string): Uri {
    return new Uri('file', value.replace(/^file:\/\//, ''));
  }
  with(): Uri {
    return this;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

const never = () => ({ dispose() {} });

/** Members whose return values activate() reads; the rest of each namespace records. */
function namespace(name: string, real: Record<string, unknown>): unknown {
  const rest = recorder(name) as Record<PropertyKey, unknown>;
  return new Proxy(real, { get: (t, prop) => (prop in t ? t[prop as string] : rest[prop]) });
}

export function vscodeStub(): Record<string, unknown> {
  const configuration = { get: <T>(_key: string, fallback?: T) => fallback, has: () => false, inspect: () => undefined, update: async () => undefined };
  // The bundle reads the module through esbuild's __toESM, which copies own members onto an object with the
  // module's prototype: members the stub does not define reach the recorder through that prototype.
  return Object.assign(Object.create(recorder('vscode') as object) as Record<string, unknown>, {
    EventEmitter,
    Uri,
    Disposable: class {
      constructor(private readonly onDispose: () => void) {}
      static from(...items: { dispose(): unknown }[]) {
        return { dispose: () => items.forEach((i) => i.dispose()) };
      }
      dispose() {
        this.onDispose();
      }
    },
    workspace: namespace('workspace', {
      getConfiguration: () => configuration,
      workspaceFolders: undefined,
      onDidChangeConfiguration: never,
      onDidChangeWorkspaceFolders: never,
      onDidSaveTextDocument: never,
      onDidOpenTextDocument: never,
      onDidChangeTextDocument: never,
      textDocuments: [],
    }),
    window: namespace('window', {
      activeTextEditor: undefined,
      visibleTextEditors: [],
      tabGroups: { all: [], onDidChangeTabs: never },
      onDidChangeActiveTextEditor: never,
      onDidChangeVisibleTextEditors: never,
      onDidChangeTextEditorSelection: never,
      onDidChangeWindowState: never,
      showWarningMessage: async () => undefined,
      showInformationMessage: async () => undefined,
      showErrorMessage: async () => undefined,
    }),
  });
}

/** An ExtensionContext on `storage` (global storage) and `extensionPath` (where models/ and dist/ are). */
export function extensionContext(storage: string, extensionPath: string): Record<string, unknown> {
  const memento = () => {
    const values = new Map<string, unknown>();
    return { get: <T>(k: string, d?: T) => (values.has(k) ? values.get(k) : d), update: async (k: string, v: unknown) => void values.set(k, v), keys: () => [...values.keys()], setKeysForSync() {} };
  };
  const secretChanged = new EventEmitter<{ key: string }>();
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionPath,
    extensionUri: Uri.file(extensionPath),
    globalStorageUri: Uri.file(storage),
    globalStoragePath: storage,
    storageUri: Uri.file(join(storage, 'workspace')),
    logUri: Uri.file(join(storage, 'logs')),
    asAbsolutePath: (p: string) => join(extensionPath, p),
    globalState: memento(),
    workspaceState: memento(),
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: secretChanged.event },
    extensionMode: 1,
    environmentVariableCollection: recorder('context.environmentVariableCollection'),
  };
}
