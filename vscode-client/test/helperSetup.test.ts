/**
 * The remembered interpreter (HelperSetup, with `vscode` stood in): a new window starts the
 * helper with it and no probing process; but not after an extension update (the private
 * environment must be upgraded), not when `awsLogin.pythonPath` changed, and not once it
 * failed to start: then the full search runs again, and ends in the Install offer when no
 * Python has the bundled version.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { HelperSetup as HelperSetupType } from "../src/helperSetup";
import { FakeVscode, fakeContext, installFakeVscode } from "./fakeVscode";
import { tempDir, testPython } from "./harness";
import { spyOnProcesses } from "./processSpy";

/** An extension folder whose bundled wheel has `version` (only its name is read here). */
function extensionWith(version: string): string {
  const dir = tempDir("ext");
  fs.mkdirSync(path.join(dir, "helper"));
  fs.writeFileSync(path.join(dir, "helper", `aws_login_bridge-${version}-py3-none-any.whl`), "");
  return dir;
}

describe("the interpreter remembered between windows", () => {
  let vscode: FakeVscode;
  let HelperSetup: typeof HelperSetupType;
  const output = { lines: [] as string[], appendLine(l: string) { this.lines.push(l); }, show: () => undefined };

  before(() => {
    vscode = installFakeVscode();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    HelperSetup = (require("../src/helperSetup") as typeof import("../src/helperSetup")).HelperSetup;
  });
  after(() => vscode.restore());

  /** python() with every process start counted. */
  async function ask(setup: HelperSetupType): Promise<{ python: string | undefined; processes: number }> {
    const spy = spyOnProcesses();
    try {
      const python = await setup.python();
      return { python, processes: spy.started.length };
    } finally {
      spy.restore();
    }
  }

  it("is used at once, until it fails; then the search runs and offers Install", async () => {
    const state = new Map<string, unknown>();
    const setup = new HelperSetup(fakeContext(extensionWith("9.9.1"), state) as never, output as never);
    setup.started(testPython());
    const next = new HelperSetup(fakeContext(extensionWith("9.9.1"), state) as never, output as never);
    assert.deepEqual(await ask(next), { python: testPython(), processes: 0 });
    assert.ok(output.lines.some((l) => l.includes("as last time")));

    assert.equal(next.failed(testPython()), true, "it was only remembered: look again");
    const searched = await ask(next);
    assert.equal(searched.python, undefined, "no Python has 9.9.1, and the offer was dismissed");
    assert.ok(searched.processes > 0, "the search probed Pythons");
    assert.ok(vscode.messages.some((m) => /needs its helper \(aws-login-bridge 9\.9\.1\).*Install it into a private environment with Python 3\./.test(m)), JSON.stringify(vscode.messages));
    assert.equal(next.failed(testPython()), false, "a searched interpreter is not looked for again");
  });

  it("is not used after an extension update, nor when the setting changed", async () => {
    const state = new Map<string, unknown>();
    new HelperSetup(fakeContext(extensionWith("9.9.1"), state) as never, output as never).started(testPython());
    const updated = new HelperSetup(fakeContext(extensionWith("9.9.2"), state) as never, output as never);
    const afterUpdate = await ask(updated);
    assert.equal(afterUpdate.python, undefined);
    assert.ok(afterUpdate.processes > 0, "after the update it searched again (an older private environment would be upgraded)");

    new HelperSetup(fakeContext(extensionWith("9.9.2"), state) as never, output as never).started(testPython());
    vscode.settings.pythonPath = testPython();
    try {
      const chosen = await ask(new HelperSetup(fakeContext(extensionWith("9.9.2"), state) as never, output as never));
      assert.ok(chosen.processes > 0, "the new setting was checked");
      assert.ok(chosen.python && fs.realpathSync(chosen.python) === fs.realpathSync(testPython()), chosen.python);
    } finally {
      delete vscode.settings.pythonPath;
    }
  });
});
