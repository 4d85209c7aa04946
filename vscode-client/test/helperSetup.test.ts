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
import { privateVenvDir } from "../src/helperLocator";
import { venvPython } from "../src/pythonFinder";
import { FakeVscode, fakeContext, installFakeVscode } from "./fakeVscode";
import { tempDir, testPython } from "./harness";
import { barePython, makeWheel } from "./installFixtures";
import { StartedProcess, spyOnProcesses } from "./processSpy";

/** An extension folder whose bundled wheel has `version` (only its name is read here). */
function extensionWith(version: string): string {
  const dir = tempDir("ext");
  fs.mkdirSync(path.join(dir, "helper"));
  fs.writeFileSync(path.join(dir, "helper", `aws_login_bridge-${version}-py3-none-any.whl`), "");
  return dir;
}

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
async function ask(
  setup: HelperSetupType,
): Promise<{ python: string | undefined; processes: number; started: string[]; calls: StartedProcess[] }> {
  const spy = spyOnProcesses();
  try {
    const chosen = await setup.python();
    return { python: chosen.python?.argv[0], processes: spy.started.length, started: spy.started, calls: spy.calls };
  } finally {
    spy.restore();
  }
}

/** The test Python as the helper started with it. */
const started = { argv: [testPython()], own: false, version: [3, 11, 0] as const };

describe("the interpreter remembered between windows", () => {

  it("is used at once, until it fails; then the search runs and offers Install", async () => {
    const state = new Map<string, unknown>();
    const setup = new HelperSetup(fakeContext(extensionWith("9.9.1"), state) as never, output as never);
    setup.started(started);
    const next = new HelperSetup(fakeContext(extensionWith("9.9.1"), state) as never, output as never);
    const recalled = await ask(next);
    assert.deepEqual({ python: recalled.python, processes: recalled.processes }, { python: testPython(), processes: 0 });
    assert.ok(output.lines.some((l) => l.includes("as last time")));

    assert.equal(next.failed(started), true, "it was only remembered: look again");
    const searched = await ask(next);
    assert.equal(searched.python, undefined, "no Python has 9.9.1, and the offer was dismissed");
    assert.ok(searched.processes > 0, "the search probed Pythons");
    assert.ok(vscode.messages.some((m) => /needs its helper \(aws-login-bridge 9\.9\.1\).*Install it into a private environment with Python 3\./.test(m)), JSON.stringify(vscode.messages));
    assert.equal(next.failed(started), false, "a searched interpreter is not looked for again");
  });

  it("is not used after an extension update, nor when the setting changed", async () => {
    const state = new Map<string, unknown>();
    new HelperSetup(fakeContext(extensionWith("9.9.1"), state) as never, output as never).started(started);
    const updated = new HelperSetup(fakeContext(extensionWith("9.9.2"), state) as never, output as never);
    const afterUpdate = await ask(updated);
    assert.equal(afterUpdate.python, undefined);
    assert.ok(afterUpdate.processes > 0, "after the update it searched again (an older private environment would be upgraded)");

    new HelperSetup(fakeContext(extensionWith("9.9.2"), state) as never, output as never).started(started);
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

describe("one Install run", () => {
  it("asks the Python extension once, and each Python once", async () => {
    const ext = tempDir("ext");
    fs.mkdirSync(path.join(ext, "helper"));
    makeWheel(path.join(ext, "helper"), "0.0.7");
    const interpreter = barePython();
    const python = { interpreter, reads: 0 };
    vscode.pythonExtension = python;
    vscode.answer = (_text, actions) => (actions.includes("Install") ? "Install" : undefined);
    const noIndex = process.env.PIP_NO_INDEX;
    process.env.PIP_NO_INDEX = "1"; // the wheel has no dependencies: pip stays offline
    try {
      const context = fakeContext(ext);
      const run = await ask(new HelperSetup(context as never, output as never));
      const own = venvPython(privateVenvDir(context.globalStorageUri.fsPath), process.platform);
      assert.equal(run.python, own, JSON.stringify(vscode.messages));
      assert.ok(vscode.messages.some((m) => m.includes(`with Python 3.`)), "the offer named the base Python");
      assert.equal(python.reads, 1, "the Python extension's interpreter was read once");
      // The helper search probes the selected interpreter; the base Python search (before the
      // offer) and the install reuse that answer. Only the private environment's interpreter is
      // asked again, as the install changes it: before the offer, under the install lock, to
      // run pip, and once installed.
      const starts = new Map<string, number>();
      for (const s of run.started) {
        starts.set(s, (starts.get(s) ?? 0) + 1);
      }
      // The selected interpreter is its own sys.executable: probed once, then it runs -m venv.
      const ofInterpreter = run.calls.filter((c) => c.program === interpreter).map((c) => (c.args.includes("venv") ? "venv" : "probe"));
      assert.deepEqual(ofInterpreter, ["probe", "venv"], run.started.join("\n"));
      assert.equal(starts.get(`spawn ${own}`), 4, run.started.join("\n"));
      for (const [start, n] of starts) {
        assert.ok(start === `spawn ${own}` || start === `spawn ${interpreter}` || n === 1, `${start} ${n} times:\n${run.started.join("\n")}`);
      }
    } finally {
      process.env.PIP_NO_INDEX = noIndex;
      if (noIndex === undefined) {
        delete process.env.PIP_NO_INDEX;
      }
      delete vscode.pythonExtension;
      vscode.answer = () => undefined;
    }
  });
});
