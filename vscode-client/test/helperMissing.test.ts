/**
 * The editor starts (the extension's real `activate()`, `vscode` stood in) with a
 * console-sign-in profile in the AWS config, and no Python can run the helper: nobody asked
 * for anything, so no notification; the status bar says `aws: helper missing`, its tooltip
 * why, and its click offers the fix (the install command to copy, or the Install offer).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { commandLine } from "../src/shellCommand";
import { FakeItem, FakeVscode, fakeContext, installFakeVscode } from "./fakeVscode";
import { REPO_ROOT, tempDir } from "./harness";
import { barePython, makeWheel } from "./installFixtures";
import { until } from "./wait";
import { posixOnly } from "./platformMarks";

const CONFIG = "[profile console-dev]\nregion = us-east-1\nlogin_session = arn:aws:sts::123456789012:assumed-role/Dev/me\n";

describe("a window that starts without a helper", () => {
  let vscode: FakeVscode;
  let extension: typeof import("../src/extension");
  const saved = { HOME: process.env.HOME, AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE };

  before(() => {
    vscode = installFakeVscode();
    process.env.HOME = tempDir("home");
    process.env.AWS_CONFIG_FILE = path.join(process.env.HOME, "config");
    fs.writeFileSync(process.env.AWS_CONFIG_FILE, CONFIG);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    extension = require("../src/extension") as typeof import("../src/extension");
  });
  after(() => {
    vscode.restore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
  });
  afterEach(() => {
    vscode.messages.length = 0;
    vscode.items.length = 0;
    vscode.settings = {};
    delete vscode.pythonExtension;
  });

  /** Activates, waits for the first word on the helper (a notification or the status bar), runs `check`. */
  async function started(extensionPath: string, check: (item: FakeItem) => Promise<void>): Promise<void> {
    const context = fakeContext(extensionPath);
    await extension.activate(context as never);
    try {
      const item = vscode.items[0];
      await until(() => vscode.messages.length > 0 || item.text === "aws: helper missing", 60_000);
      assert.deepEqual(vscode.messages, [], "a notification at startup");
      assert.deepEqual(vscode.progressNotifications, []);
      assert.equal(item.text, "aws: helper missing");
      assert.ok(item.visible);
      await check(item);
    } finally {
      for (const d of context.subscriptions) {
        d.dispose();
      }
      await extension.deactivate();
    }
  }

  it("awsLogin.pythonPath without the package: the tooltip says so, the click offers the install command", async () => {
    const bare = barePython();
    vscode.settings.pythonPath = bare;
    await started(path.join(REPO_ROOT, "vscode-client"), async (item) => {
      assert.ok(
        String(item.tooltip).startsWith(`AWS Login cannot run its helper with ${bare} (awsLogin.pythonPath): it has no aws-login-bridge package. Click`),
        String(item.tooltip),
      );
      assert.equal(typeof item.command, "string");
      await vscode.commands.get(item.command as string)!();
      assert.equal(vscode.messages.length, 1, JSON.stringify(vscode.messages));
      const install = `Install it there with: ${commandLine([bare, "-m", "pip", "install"], process.platform)} `;
      assert.ok(vscode.messages[0].startsWith(`AWS Login cannot run its helper with ${bare} `), vscode.messages[0]);
      assert.ok(vscode.messages[0].includes(install), vscode.messages[0]);
      assert.equal(item.text, "aws: helper missing", "still missing after the offer");
    });
  });

  it("awsLogin.pythonPath pasted with quotes, at a Python 3.9: the tooltip and the click say the version, in one sentence", posixOnly("a shell script answers the probe"), async () => {
    // A program that answers the probe as Xcode's Python 3.9 would (a real process).
    const old = path.join(tempDir("xcode"), "python3");
    const answer = JSON.stringify({ executable: old, version: [3, 9, 6], helper: null, managed: false });
    fs.writeFileSync(old, `#!/bin/sh\necho '${answer}'\n`, { mode: 0o755 });
    vscode.settings.pythonPath = `"${old}"`;
    const sentence =
      `AWS Login cannot run its helper with ${old} (awsLogin.pythonPath) because it is Python 3.9.6: ` +
      "set awsLogin.pythonPath to a Python 3.10 or newer, or clear it to let AWS Login install its own.";
    await started(path.join(REPO_ROOT, "vscode-client"), async (item) => {
      assert.equal(item.tooltip, sentence);
      await vscode.commands.get(item.command as string)!();
      assert.deepEqual(vscode.messages, [sentence]);
      assert.equal(item.text, "aws: helper missing");
    });
  });

  it("no Python has the bundled version: the tooltip says so, the click offers Install", async () => {
    const ext = tempDir("ext");
    fs.mkdirSync(path.join(ext, "helper"));
    makeWheel(path.join(ext, "helper"), "0.0.5");
    vscode.pythonExtension = { interpreter: barePython(), reads: 0 };
    await started(ext, async (item) => {
      assert.match(String(item.tooltip), /^AWS Login needs its helper \(aws-login-bridge 0\.0\.5\), and no Python here has it\. Click to install it\.$/);
      await vscode.commands.get(item.command as string)!(); // the offer is dismissed
      assert.equal(vscode.messages.length, 1, JSON.stringify(vscode.messages));
      assert.match(vscode.messages[0], /^AWS Login needs its helper \(aws-login-bridge 0\.0\.5\), and no Python here has it\. Install it into a private environment with Python 3\./);
      assert.equal(item.text, "aws: helper missing");
    });
  });
});
