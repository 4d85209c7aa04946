/**
 * The extension's real `activate()` on a machine with no AWS configuration, with the `vscode`
 * module replaced by a small stand-in (the only fake here): it must start no process at all
 * (every way Node starts one is counted) and the status bar must say "aws: not logged in".
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { tempDir } from "./harness";
import { ProcessSpy, spyOnProcesses } from "./processSpy";
import { until } from "./wait";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("node:module") as { _load: (request: string, ...rest: unknown[]) => unknown };

const disposable = () => ({ dispose: () => undefined });

interface FakeItem {
  text: string;
  visible: boolean;
  [k: string]: unknown;
}

/** The API parts activation uses; anything else (classes vscode-languageclient extends when
 * it loads) is an empty class, so using it for real would show up as a failure. */
function fakeVscode(items: FakeItem[]): Record<string, unknown> {
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
        items.push(item);
        return item;
      },
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
      showErrorMessage: async () => undefined,
      setStatusBarMessage: disposable,
    },
    commands: { registerCommand: disposable },
    workspace: { onDidChangeConfiguration: disposable, getConfiguration: () => ({ get: () => undefined }), workspaceFolders: undefined },
    extensions: { getExtension: () => undefined },
    env: { clipboard: { writeText: async () => undefined } },
  };
  return new Proxy(used, { get: (target, key: string) => (key in target ? target[key] : class {}) });
}

describe("cold activation", () => {
  let spy: ProcessSpy;
  const items: FakeItem[] = [];
  const realLoad = Module._load;
  const realHome = process.env.HOME;
  const realConfig = process.env.AWS_CONFIG_FILE;

  before(() => {
    const vscode = fakeVscode(items);
    Module._load = (request: string, ...rest: unknown[]) => (request === "vscode" ? vscode : realLoad(request, ...rest));
    process.env.HOME = tempDir("cold-home"); // no ~/.aws at all
    delete process.env.AWS_CONFIG_FILE;
    spy = spyOnProcesses();
  });
  after(() => {
    Module._load = realLoad;
    process.env.HOME = realHome;
    if (realConfig !== undefined) {
      process.env.AWS_CONFIG_FILE = realConfig;
    }
    spy.restore();
  });

  it("with no AWS configuration starts no process and shows 'not logged in'", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const extension = require("../src/extension") as typeof import("../src/extension");
    const storage = tempDir("storage");
    const state = new Map<string, unknown>();
    const context = {
      subscriptions: [] as Array<{ dispose(): unknown }>,
      extensionPath: path.resolve(__dirname, "..", ".."),
      globalStorageUri: { fsPath: storage },
      globalState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v) },
    };
    await extension.activate(context as never);
    try {
      await until(() => items.some((i) => i.visible && i.text === "aws: not logged in"), 10_000);
      assert.deepEqual(spy.started, [], "activation started a process");
    } finally {
      for (const d of context.subscriptions) {
        d.dispose();
      }
      await extension.deactivate();
    }
  });
});
