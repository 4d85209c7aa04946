/**
 * No Python the extension starts runs code from the folder VS Code opened (HelperSetup and
 * the helper's launch, with `vscode` stood in, over real Python processes):
 *
 * - an Install run started from inside a repository full of shadow modules (`json.py`,
 *   `venv/`, `pip/`, `aws_login_bridge/`) imports none of them, and every process (probe,
 *   `-m venv`, `-m pip`, the helper) runs in the extension's storage with the safe-path switch;
 * - in an untrusted workspace, an interpreter inside a workspace folder (the Python
 *   extension's, one reached through a symlink from outside, one on PATH, the remembered one)
 *   is never started, and a machine Python runs the helper; once trust is granted, a new
 *   search may use them;
 * - a bundled wheel that is not the one the .vsix was built with is refused before any
 *   process starts.
 * And the guard's own rules: every name a program goes by, PATH looked up here.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { HelperSetup as HelperSetupType } from "../src/helperSetup";
import { privateVenvDir } from "../src/helperLocator";
import { venvPython } from "../src/pythonFinder";
import { WorkspaceGuard } from "../src/workspaceGuard";
import { FakeVscode, fakeContext, installFakeVscode } from "./fakeVscode";
import { tempDir, testPython } from "./harness";
import { barePython, makeWheel } from "./installFixtures";
import { StartedProcess, spyOnProcesses } from "./processSpy";
import { posixOnly } from "./platformMarks";

let vscode: FakeVscode;
let HelperSetup: typeof HelperSetupType;
const output = { lines: [] as string[], appendLine(l: string) { this.lines.push(l); }, show: () => undefined };
const realPath = process.env.PATH;
const realCwd = process.cwd();

before(() => {
  vscode = installFakeVscode();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  HelperSetup = (require("../src/helperSetup") as typeof import("../src/helperSetup")).HelperSetup;
});
after(() => vscode.restore());
afterEach(() => {
  process.chdir(realCwd);
  process.env.PATH = realPath;
  delete process.env.PIP_NO_INDEX;
  delete vscode.pythonExtension;
  vscode.answer = () => undefined;
  vscode.trusted = true;
  vscode.folders = [];
  vscode.messages.length = 0;
});

/** A folder whose modules, once imported, each leave a file named after them in `ran`. */
function hostileRepository(): { dir: string; ran: () => string[] } {
  const dir = tempDir("repo");
  const ran = path.join(tempDir("ran"), "ran");
  fs.mkdirSync(ran);
  for (const [file, name] of [
    ["json.py", "json"],
    ["venv/__init__.py", "venv"],
    ["venv/__main__.py", "venv-main"],
    ["pip/__init__.py", "pip"],
    ["pip/__main__.py", "pip-main"],
    ["aws_login_bridge/__init__.py", "aws_login_bridge"],
    ["aws_login_bridge/__main__.py", "aws_login_bridge-main"],
  ]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), `open(${JSON.stringify(path.join(ran, name))}, "w").close()\n`);
  }
  return { dir, ran: () => fs.readdirSync(ran) };
}

/** An executable shell script. */
function script(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A folder for PATH whose `python3` is the machine's Python under the test one (no aws-login-bridge). */
function machinePythonWithoutHelper(): string {
  const bin = tempDir("machine-bin");
  script(path.join(bin, "python3"), `exec "${fs.realpathSync(testPython())}" "$@"`);
  return bin;
}

async function ask(setup: HelperSetupType) {
  const spy = spyOnProcesses();
  try {
    const chosen = await setup.python();
    return { chosen, calls: spy.calls };
  } finally {
    spy.restore();
  }
}

const line = (c: StartedProcess) => `${c.program} ${c.args.join(" ")} (in ${c.cwd ?? "the extension host's folder"})`;

/** The test Python's minor version (Python 3.x). */
const testPythonMinor = Number(execFileSync(testPython(), ["-c", "import sys; print(sys.version_info[1])"]).toString().trim());

describe("every Python the extension starts", () => {
  it("runs in the extension's storage with the safe-path switch, and imports nothing from the folder it was opened in", posixOnly("a shell script is the machine's python3 on PATH"), async () => {
    const repo = hostileRepository();
    const ext = tempDir("ext");
    fs.mkdirSync(path.join(ext, "helper"));
    makeWheel(path.join(ext, "helper"), "0.0.8");
    vscode.pythonExtension = { interpreter: barePython(), reads: 0 };
    vscode.answer = (_text, actions) => (actions.includes("Install") ? "Install" : undefined);
    process.env.PATH = `${machinePythonWithoutHelper()}${path.delimiter}${realPath}`;
    process.env.PIP_NO_INDEX = "1"; // the wheel has no dependencies: pip stays offline
    // As `code .` does: the extension host runs in the repository.
    process.chdir(repo.dir);
    const context = fakeContext(ext);
    const storage = context.globalStorageUri.fsPath;
    const own = venvPython(privateVenvDir(storage), process.platform);

    const setup = new HelperSetup(context as never, output as never);
    const { chosen, calls } = await ask(setup);

    assert.deepEqual(repo.ran(), [], `the repository's modules ran:\n${calls.map(line).join("\n")}`);
    assert.ok(calls.length >= 5, calls.map(line).join("\n"));
    for (const call of calls) {
      assert.equal(call.cwd, storage, line(call));
      assert.equal(call.env?.PYTHONSAFEPATH, "1", line(call));
      // Read as UTF-8 whatever the code page: by the variable, or by UTF-8 mode where -I ignores it.
      assert.equal(call.env?.PYTHONIOENCODING, "utf-8", line(call));
      assert.equal(call.args.includes("-I"), call.args.join(" ").includes("-X utf8"), line(call));
      if (call.program === own) {
        assert.ok(call.args.includes("-I"), `the private environment runs isolated: ${line(call)}`);
      }
    }
    const venv = calls.find((c) => c.args.includes("venv"));
    assert.ok(venv, calls.map(line).join("\n"));
    assert.equal(venv.args.includes("-P"), testPythonMinor >= 11, line(venv));
    assert.ok(calls.some((c) => c.program === own && c.args.includes("pip")), calls.map(line).join("\n"));
    assert.ok(chosen.python, JSON.stringify(vscode.messages));
    assert.deepEqual({ ...chosen.python, version: undefined }, { argv: [own], own: true, version: undefined });

    // The helper, as vscode-languageclient starts it (it adds --stdio): in the same folder,
    // the private environment isolated, and a machine Python (the test's, which has the real
    // helper) with -P, started here from inside the repository.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { serverOptions } = require("../src/helper") as typeof import("../src/helper");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { helperLaunch, readSettings } = require("../src/config") as typeof import("../src/config");
    type Server = { command: string; args: string[]; options: { cwd: string; env: NodeJS.ProcessEnv } };
    const settings = readSettings(() => undefined);
    const private_ = serverOptions(helperLaunch(chosen.python, settings, setup.launcher)) as Server;
    assert.deepEqual({ cwd: private_.options.cwd, args: private_.args }, { cwd: storage, args: ["-I", "-X", "utf8", "-u", "-m", "aws_login_bridge", "serve"] });
    const machine = { argv: [testPython()], own: false, version: [3, testPythonMinor, 0] as const };
    const server = serverOptions(helperLaunch(machine, settings, setup.launcher)) as Server;
    assert.equal(server.options.cwd, storage);
    assert.equal(server.args[0] === "-P", testPythonMinor >= 11, server.args.join(" "));
    assert.equal(server.options.env.PYTHONIOENCODING, "utf-8");
    const helper = spawn(server.command, [...server.args, "--stdio"], { ...server.options, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    helper.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    helper.stdin.end(); // no client: it stops at once
    const [code] = await once(helper, "exit");
    assert.deepEqual(repo.ran(), []);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /serving on stdio/, "the real helper ran");
  });
});

describe("in an untrusted workspace", posixOnly("the workspace's interpreters are shell scripts and symbolic links"), () => {
  /** A workspace whose interpreters leave a file in `ran` when started, then run the test Python. */
  function workspace() {
    const dir = tempDir("untrusted");
    const ran = path.join(tempDir("ran"), "ran");
    fs.mkdirSync(ran);
    const venvPy = script(path.join(dir, ".venv", "bin", "python"), `: > "${ran}/venv-python"\nexec "${testPython()}" "$@"`);
    const binDir = path.join(dir, "bin");
    script(path.join(binDir, "python3"), `: > "${ran}/path-python3"\nexec "${testPython()}" "$@"`);
    // From outside the workspace, a link that ends inside it.
    const link = path.join(tempDir("elsewhere"), "python");
    fs.symlinkSync(venvPy, link);
    // A machine Python with the helper, after the workspace's on PATH.
    const machineBin = tempDir("machine-bin");
    script(path.join(machineBin, "python3"), `exec "${testPython()}" "$@"`);
    return { dir, venvPy, binDir, link, machineBin, ran: () => fs.readdirSync(ran) };
  }

  for (const via of ["a symlink from outside", "its path"] as const) {
    it(`never starts the Python extension's interpreter inside a workspace folder (${via}), nor PATH's; a machine Python runs the helper`, async () => {
      const ws = workspace();
      vscode.trusted = false;
      vscode.folders = [ws.dir];
      vscode.pythonExtension = { interpreter: via === "its path" ? ws.venvPy : ws.link, reads: 0 };
      process.env.PATH = [ws.binDir, ws.machineBin, realPath].join(path.delimiter);
      const ext = tempDir("ext"); // no bundled wheel: any aws-login-bridge version will do

      const { chosen, calls } = await ask(new HelperSetup(fakeContext(ext) as never, output as never));

      assert.deepEqual(ws.ran(), [], `a workspace interpreter ran:\n${calls.map(line).join("\n")}`);
      for (const call of calls) {
        assert.ok(!call.program.startsWith(ws.dir) && call.program !== ws.link && call.program !== "python3", line(call));
      }
      assert.deepEqual(calls.map((c) => c.program), [path.join(ws.machineBin, "python3")]);
      assert.equal(chosen.python?.argv[0], testPython(), JSON.stringify(chosen));
      assert.ok(output.lines.some((l) => /not running .* lies inside a folder of this workspace, which is not trusted/.test(l)), output.lines.join("\n"));
      assert.deepEqual(vscode.messages, []);
    });
  }

  it("does not start awsLogin.pythonPath when it lies inside either, and says why", async () => {
    const ws = workspace();
    vscode.trusted = false;
    vscode.folders = [ws.dir];
    vscode.settings.pythonPath = ws.link;
    try {
      const { chosen, calls } = await ask(new HelperSetup(fakeContext(tempDir("ext")) as never, output as never));
      assert.deepEqual(ws.ran(), []);
      assert.deepEqual(calls.map(line), []);
      assert.equal(chosen.python, undefined);
      assert.deepEqual(vscode.messages, [
        `AWS Login does not run ${ws.link} (awsLogin.pythonPath) here because it lies inside a folder of this untrusted workspace: ` +
          "trust the workspace, or set awsLogin.pythonPath to a Python outside it.",
      ]);
    } finally {
      delete vscode.settings.pythonPath;
    }
  });

  it("does not start the remembered interpreter when it lies inside; once trust is granted, a new search may", async () => {
    const ws = workspace();
    vscode.trusted = false;
    vscode.folders = [ws.dir];
    process.env.PATH = [ws.machineBin, realPath].join(path.delimiter);
    const ext = tempDir("ext");
    const state = new Map<string, unknown>();
    const trusting = new HelperSetup(fakeContext(ext, state) as never, output as never);
    trusting.started({ argv: [ws.venvPy], own: false, version: [3, 11, 0] });

    const untrusted = await ask(new HelperSetup(fakeContext(ext, state) as never, output as never));
    assert.deepEqual(ws.ran(), []);
    assert.equal(untrusted.chosen.python?.argv[0], testPython(), JSON.stringify(untrusted.chosen));
    assert.ok(untrusted.calls.every((c) => c.program === path.join(ws.machineBin, "python3")), untrusted.calls.map(line).join("\n"));

    vscode.grantTrust();
    vscode.pythonExtension = { interpreter: ws.link, reads: 0 };
    const trusted = await ask(new HelperSetup(fakeContext(ext) as never, output as never));
    assert.deepEqual(ws.ran(), ["venv-python"], "trusted: the Python extension's interpreter is used");
    assert.equal(trusted.calls[0].program, ws.link);
  });
});

describe("the bundled wheel", () => {
  for (const damage of ["changed", "without its recorded checksum"] as const) {
    it(`${damage}: refused in one sentence; no environment made, pip never started`, async () => {
      const ext = tempDir("ext");
      fs.mkdirSync(path.join(ext, "helper"));
      const wheel = makeWheel(path.join(ext, "helper"), "0.0.9");
      if (damage === "changed") {
        // Still a valid wheel that pip would install, with a module added after the build.
        const add = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'a') as z: z.writestr('aws_login_bridge/planted.py', 'print(1)\\n')";
        execFileSync(testPython(), ["-c", add, wheel.path]);
      } else {
        fs.rmSync(`${wheel.path}.sha256`);
      }
      vscode.pythonExtension = { interpreter: barePython(), reads: 0 };
      vscode.answer = (_text, actions) => (actions.includes("Install") ? "Install" : undefined);
      process.env.PIP_NO_INDEX = "1";
      const context = fakeContext(ext);

      const { chosen, calls } = await ask(new HelperSetup(context as never, output as never));

      assert.ok(!fs.existsSync(privateVenvDir(context.globalStorageUri.fsPath)), "no private environment was made");
      assert.deepEqual(calls.filter((c) => c.args.includes("venv") || c.args.includes("pip")).map(line), []);
      assert.equal(chosen.python, undefined);
      const refusal = vscode.messages[vscode.messages.length - 1];
      const why = damage === "changed" ? "it differs from the one this extension was built with" : "the checksum recorded when this extension was built is missing";
      assert.equal(
        refusal,
        `AWS Login will not install its bundled helper aws_login_bridge-0.0.9-py3-none-any.whl: ${why}, so reinstall the extension.`,
      );
    });
  }
});

describe("WorkspaceGuard", posixOnly("the programs are shell scripts and symbolic links"), () => {
  it("counts a program inside by any name it goes by, against the folders' real paths", async () => {
    const real = tempDir("ws-real");
    const viaLink = path.join(tempDir("ws-link"), "project");
    fs.symlinkSync(real, viaLink); // the workspace opened through a symlinked path
    const venvPy = path.join(real, ".venv", "bin", "python");
    fs.mkdirSync(path.dirname(venvPy), { recursive: true });
    // A virtual environment's python ends at the machine's: the real file alone is outside.
    fs.symlinkSync(fs.realpathSync(testPython()), venvPy);
    const outside = tempDir("outside");
    const hop = path.join(outside, "python3");
    fs.symlinkSync(path.join(viaLink, ".venv", "bin", "python"), hop);
    const guard = new WorkspaceGuard([viaLink]);
    assert.equal(await guard.folderHolding(venvPy), viaLink);
    assert.equal(await guard.folderHolding(hop), viaLink);
    assert.equal(await guard.folderHolding(testPython()), undefined);
    assert.equal(await guard.folderHolding(path.join(outside, "missing", "python")), undefined);
    assert.equal(await WorkspaceGuard.trusted().folderHolding(venvPy), undefined);
    assert.equal(await new WorkspaceGuard([]).folderHolding(venvPy), undefined, "no folder open: nothing is inside");
  });

  it("looks a bare name up on PATH itself, relative entries from the process's own folder, and skips matches inside", async () => {
    const ws = tempDir("ws");
    const work = tempDir("work");
    script(path.join(ws, "bin", "python3"), "exit 0");
    script(path.join(work, "tools", "python3"), "exit 0");
    const machine = tempDir("machine");
    script(path.join(machine, "python3"), "exit 0");
    const guard = new WorkspaceGuard([ws]);
    process.chdir(ws); // the extension host's folder is the workspace: "tools" must not count from there
    fs.mkdirSync(path.join(ws, "tools"));
    script(path.join(ws, "tools", "python3"), "exit 0");
    const env = { PATH: [path.join(ws, "bin"), "tools", machine].join(path.delimiter) };
    assert.deepEqual(await guard.admit(["python3", "-V"], env, work), [path.join(work, "tools", "python3"), "-V"]);
    fs.rmSync(path.join(work, "tools"), { recursive: true });
    assert.deepEqual(await guard.admit(["python3"], env, work), [path.join(machine, "python3")]);
    assert.equal(await guard.admit(["python3"], { PATH: path.join(ws, "bin") }, work), undefined);
    assert.deepEqual(await WorkspaceGuard.trusted().admit(["python3"], env, work), ["python3"], "trusted: spawned by name as before");
  });
});
