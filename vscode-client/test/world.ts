/** A test world: the real helper and emulator, a scripted Ui, a fake status bar and store. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, afterEach, before } from "node:test";
import { Commands } from "../src/commands";
import { sessionChanged } from "../src/lsp_ext";
import {
  AwsHome,
  Emulator,
  Helper,
  MemoryStore,
  ScriptedUi,
  fakeStatusBar,
  makeAwsHome,
  signInInBrowser,
  startEmulator,
  startHelper,
  testSettings,
} from "./harness";

/**
 * One emulator for the test file, and a helper per test (all stopped after each test).
 * Create one at the top of a test file: it registers the hooks.
 */
export class Lab {
  private emulator: Emulator | undefined;
  private readonly running: Helper[] = [];

  constructor() {
    before(async () => {
      this.emulator = await startEmulator();
    });
    after(async () => {
      await this.emulator?.stop();
    });
    afterEach(async () => {
      while (this.running.length) {
        await this.running.pop()!.stop();
      }
    });
  }

  get url(): string {
    assert.ok(this.emulator, "the emulator runs once the tests do");
    return this.emulator.url;
  }

  /** A helper on `home`'s files, stopped after the test. */
  async helper(home: AwsHome): Promise<Helper> {
    const helper = await startHelper(home, testSettings(this.url));
    this.running.push(helper);
    return helper;
  }

  world(config = ""): Promise<World> {
    return world(this, config);
  }
}

export interface World {
  home: AwsHome;
  helper: Helper;
  ui: ScriptedUi;
  store: MemoryStore;
  bar: ReturnType<typeof fakeStatusBar>;
  commands: Commands;
  /** The URLs the "browser" was asked to open. */
  opened: string[];
  /** Verification codes the "browser" showed (to check they never reach a message). */
  codes: string[];
  identityArns: string[];
  /** Input answer: sign in on the last opened page and paste its code. */
  pasteCode: () => Promise<string>;
}

async function world(lab: Lab, config: string): Promise<World> {
  const home = makeAwsHome(lab.url, config);
  const settings = testSettings(lab.url);
  const helper = await lab.helper(home);
  const ui = new ScriptedUi();
  const opened: string[] = [];
  const codes: string[] = [];
  const identityArns: string[] = [];
  ui.onOpen = (url) => {
    opened.push(url);
    return true;
  };
  const store = new MemoryStore();
  const bar = fakeStatusBar();
  const commands = new Commands({
    helper: async () => helper.connection,
    ui,
    settings: () => settings,
    store,
    statusBar: bar.controller,
  });
  // As the extension does: the helper's notifications drive the status bar.
  helper.connection.onNotification(sessionChanged, (p) => void commands.onSessionChanged(p));
  const pasteCode = async () => {
    assert.ok(opened.length > 0, "the sign-in page was opened before the code was asked for");
    const page = await signInInBrowser(opened[opened.length - 1]);
    codes.push(page.code);
    if (page.identityArn) {
      identityArns.push(page.identityArn);
    }
    return page.code;
  };
  return { home, helper, ui, store, bar, commands, opened, codes, identityArns, pasteCode };
}

/** No verification code, token or key in anything the person sees. */
export function assertNoSecrets(w: World): void {
  const shown = JSON.stringify(w.ui.events.filter((e) => e.kind === "message"));
  for (const code of w.codes) {
    assert.ok(!shown.includes(code), "a verification code reached a message");
  }
  for (const f of w.home.cacheFiles()) {
    const cache = JSON.parse(fs.readFileSync(`${w.home.cacheDir}/${f}`, "utf8"));
    for (const secret of [cache.accessToken?.secretAccessKey, cache.accessToken?.sessionToken, cache.refreshToken]) {
      if (secret) {
        assert.ok(!shown.includes(secret), "a credential reached a message");
        assert.ok(!w.bar.item.text.includes(secret) && !String(w.bar.item.tooltip).includes(secret));
      }
    }
  }
}

export async function waitFor(cond: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) {
      assert.fail(`timed out; last: ${what()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
