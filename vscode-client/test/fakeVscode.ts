/**
 * A small stand-in for the `vscode` module, for loading the extension's real modules outside
 * VS Code: the API parts they use, recording status bar items and messages; anything else
 * (the classes vscode-languageclient extends when it loads) is an empty class, so real use
 * of it shows up as a failure.
 */
import { tempDir } from "./harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("node:module") as { _load: (request: string, ...rest: unknown[]) => unknown };

export interface FakeItem {
  text: string;
  visible: boolean;
  [k: string]: unknown;
}

export interface FakeVscode {
  items: FakeItem[];
  /** Texts of every notification shown (any severity). */
  messages: string[];
  /** Titles of every progress shown as a notification (not in the status bar). */
  progressNotifications: string[];
  /** `vscode.workspace.isTrusted`. */
  trusted: boolean;
  /** The workspace folders' paths (none: no folder open). */
  folders: string[];
  /** Registered commands, by id. */
  commands: Map<string, (...args: unknown[]) => unknown>;
  /** Fires `onDidGrantWorkspaceTrust` (and sets `trusted`). */
  grantTrust(): void;
  /** `awsLogin.*` settings, by key without the prefix. */
  settings: Record<string, unknown>;
  /** The button a notification's person clicks (undefined: dismissed). */
  answer: (text: string, actions: string[]) => string | undefined;
  /** The Python extension (ms-python.python), when "installed": its selected interpreter. */
  pythonExtension?: { interpreter: string; reads: number };
  /** Puts the stand-in back to the real module loader. */
  restore(): void;
}

const disposable = () => ({ dispose: () => undefined });

/** From now on `require("vscode")` gets the stand-in. */
export function installFakeVscode(): FakeVscode {
  const trustListeners: Array<() => void> = [];
  const fake: FakeVscode = {
    items: [],
    messages: [],
    progressNotifications: [],
    trusted: true,
    folders: [],
    commands: new Map(),
    grantTrust: () => {
      fake.trusted = true;
      for (const l of trustListeners) {
        l();
      }
    },
    settings: {},
    answer: () => undefined,
    restore: () => undefined,
  };
  const message = async (text: string, ...rest: unknown[]) => {
    fake.messages.push(text);
    return fake.answer(text, rest.filter((r): r is string => typeof r === "string"));
  };
  /** The parts of the Python extension's API the extension asks (each ask counted). */
  const pythonExtension = () => {
    const python = fake.pythonExtension;
    if (!python) {
      return undefined;
    }
    const environments = {
      getActiveEnvironmentPath: () => {
        python.reads += 1;
        return { id: python.interpreter, path: python.interpreter };
      },
      resolveEnvironment: async () => ({ executable: { uri: { fsPath: python.interpreter } } }),
    };
    return { isActive: true, exports: { environments } };
  };
  const used: Record<string, unknown> = {
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { Notification: 15, Window: 10 },
    ThemeColor: class {
      constructor(readonly id: string) {}
    },
    Uri: { file: (fsPath: string) => ({ fsPath }), parse: (s: string) => ({ fsPath: s }) },
    window: {
      createOutputChannel: () => ({ appendLine: () => undefined, show: () => undefined, dispose: () => undefined }),
      createStatusBarItem: () => {
        const item: FakeItem = { text: "", visible: false, show: () => (item.visible = true), hide: () => (item.visible = false), dispose: () => undefined };
        fake.items.push(item);
        return item;
      },
      showInformationMessage: message,
      showWarningMessage: message,
      showErrorMessage: message,
      setStatusBarMessage: disposable,
      withProgress: async (o: { location?: number; title?: string }, task: (p: unknown, t: unknown) => unknown) => {
        if (o.location === 15) {
          fake.progressNotifications.push(o.title ?? "");
        }
        return task({ report: () => undefined }, { onCancellationRequested: disposable });
      },
    },
    commands: {
      registerCommand: (id: string, run: (...args: unknown[]) => unknown) => {
        fake.commands.set(id, run);
        return { dispose: () => fake.commands.delete(id) };
      },
    },
    workspace: {
      onDidChangeConfiguration: disposable,
      onDidGrantWorkspaceTrust: (listener: () => void) => {
        trustListeners.push(listener);
        return { dispose: () => trustListeners.splice(trustListeners.indexOf(listener), 1) };
      },
      getConfiguration: () => ({ get: (key: string) => fake.settings[key] }),
      get isTrusted() {
        return fake.trusted;
      },
      get workspaceFolders() {
        return fake.folders.length ? fake.folders.map((f, index) => ({ uri: { fsPath: f }, name: f, index })) : undefined;
      },
    },
    extensions: { getExtension: (id: string) => (id === "ms-python.python" ? pythonExtension() : undefined) },
    env: { clipboard: { writeText: async () => undefined } },
  };
  const vscode = new Proxy(used, { get: (target, key: string) => (key in target ? target[key] : class {}) });
  const realLoad = Module._load;
  Module._load = (request: string, ...rest: unknown[]) => (request === "vscode" ? vscode : realLoad(request, ...rest));
  fake.restore = () => {
    Module._load = realLoad;
  };
  return fake;
}

/** An ExtensionContext with its own global storage and in-memory global state. */
export function fakeContext(extensionPath: string, state = new Map<string, unknown>()) {
  return {
    subscriptions: [] as Array<{ dispose(): unknown }>,
    extensionPath,
    globalStorageUri: { fsPath: tempDir("storage") },
    globalState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v) },
  };
}
