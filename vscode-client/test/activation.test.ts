/**
 * The extension's real `activate()` on a machine with no AWS configuration, with the `vscode`
 * module replaced by a small stand-in (the only fake here): it must start no process at all
 * (every way Node starts one is counted) and the status bar must say "aws: not logged in".
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, tempDir } from "./harness";
import { FakeVscode, fakeContext, installFakeVscode } from "./fakeVscode";
import { ProcessSpy, spyOnProcesses } from "./processSpy";
import { until } from "./wait";

describe("cold activation", () => {
  let spy: ProcessSpy;
  let vscode: FakeVscode;
  const realHome = process.env.HOME;
  const realConfig = process.env.AWS_CONFIG_FILE;

  before(() => {
    vscode = installFakeVscode();
    process.env.HOME = tempDir("cold-home"); // no ~/.aws at all
    delete process.env.AWS_CONFIG_FILE;
    spy = spyOnProcesses();
  });
  after(() => {
    vscode.restore();
    process.env.HOME = realHome;
    if (realConfig !== undefined) {
      process.env.AWS_CONFIG_FILE = realConfig;
    }
    spy.restore();
  });

  it("with no AWS configuration starts no process and shows 'not logged in'", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const extension = require("../src/extension") as typeof import("../src/extension");
    const context = fakeContext(path.join(REPO_ROOT, "vscode-client"));
    await extension.activate(context as never);
    try {
      await until(() => vscode.items.some((i) => i.visible && i.text === "aws: not logged in"), 10_000);
      assert.deepEqual(spy.started, [], "activation started a process");
    } finally {
      for (const d of context.subscriptions) {
        d.dispose();
      }
      await extension.deactivate();
    }
  });
});
