/**
 * Windows and macOS as the extension meets them, forced on Linux: a batch file or a quoted
 * path in awsLogin.pythonPath, a child Python that writes the ANSI code page, Homebrew's
 * externally managed Python (PEP 668), Xcode's Python 3.9, and Apple's /usr/bin/python3
 * stand-in that opens the developer tools' install dialog instead of running.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readSettings } from "../src/config";
import { LocateOptions, locateHelper } from "../src/helperLocator";
import { ProbeResult, PythonCandidate, probePython } from "../src/pythonFinder";
import { PythonLauncher, PythonTarget } from "../src/pythonLaunch";
import { SearchRun } from "../src/searchRun";
import { pipInstallCommand } from "../src/shellCommand";
import { WorkspaceGuard } from "../src/workspaceGuard";
import { tempDir, testPython } from "./harness";
import { posixOnly } from "./platformMarks";

/** Probes answered from a table (argv joined by spaces → version, helper version, externally managed). */
function locate(entries: Record<string, [string, string | null, boolean?]>, o: Partial<LocateOptions>) {
  const asked: string[] = [];
  const result = locateHelper({
    platform: "linux",
    setting: "",
    pythonExtension: async () => undefined,
    venvDir: "/store/helper-venv",
    bundled: { path: "/ext/helper/aws_login_bridge-0.2.0-py3-none-any.whl", version: "0.2.0" },
    probe: async (c): Promise<ProbeResult> => {
      const key = c.argv.join(" ");
      asked.push(key);
      const e = entries[key];
      if (!e) {
        // What Node says on Windows when asked to start a .bat/.cmd without a shell.
        return { ok: false, argv: [...c.argv], reason: "failed", detail: "spawn EINVAL" };
      }
      const version = e[0].split(".").map(Number) as [number, number, number];
      return { ok: true, info: { executable: `/real/${c.argv[0]}`, version, helperVersion: e[1], externallyManaged: e[2] ?? false } };
    },
    ...o,
  });
  return { result, asked };
}

describe("awsLogin.pythonPath on Windows", () => {
  for (const setting of ["C:\\Tools\\python.bat", "C:\\Users\\José\\pyenv-win\\shims\\PYTHON.CMD", "C:\\py\\python.cmd. "]) {
    it(`a batch file (${setting}) is named in one sentence, and nothing is started`, async () => {
      const { result, asked } = locate({}, { platform: "win32", setting });
      assert.deepEqual(await result, {
        kind: "settingRefused",
        python: setting,
        message:
          `AWS Login cannot start ${setting} (awsLogin.pythonPath) because it is a batch file, which VS Code does not run without a shell: ` +
          "set awsLogin.pythonPath to the python.exe it starts (`py -c \"import sys; print(sys.executable)\"` prints it), or clear it.",
      });
      assert.deepEqual(asked, [], "a batch file is never handed to spawn");
    });
  }

  it("elsewhere a file named .cmd is just a program", async () => {
    const { result } = locate({ "/opt/tools/python.cmd": ["3.12.1", "0.2.0"] }, { setting: "/opt/tools/python.cmd" });
    assert.equal((await result).kind, "ready");
  });

  it("a path pasted with its quotes (Explorer's Copy as path) is unquoted, once", () => {
    const read = (pythonPath: unknown) => readSettings((k) => (k === "pythonPath" ? pythonPath : undefined)).pythonPath;
    assert.equal(read('"C:\\Program Files\\Python312\\python.exe"'), "C:\\Program Files\\Python312\\python.exe");
    assert.equal(read('  "/opt/py 3/bin/python3" '), "/opt/py 3/bin/python3");
    assert.equal(read('""C:\\py.exe""'), '"C:\\py.exe"', "one pair only");
    assert.equal(read('"C:\\py.exe'), '"C:\\py.exe', "a lone quote is left for the probe to report");
    assert.equal(read("'/opt/py'"), "'/opt/py'", "single quotes can be part of a POSIX name");
    assert.equal(read('""'), "");
  });
});

/**
 * A locale whose encoding is cp1252, as Windows Python's pipes use the ANSI code page. On
 * Linux made with glibc's localedef in a folder of the test's own (LOCPATH); on Windows the
 * code page is real; macOS Python writes UTF-8 whatever the locale.
 */
function codePageEnv(): NodeJS.ProcessEnv {
  if (process.platform !== "linux") {
    return {};
  }
  const dir = tempDir("locale");
  execFileSync("localedef", ["-i", "en_US", "-f", "CP1252", path.join(dir, "en_US.CP1252")]);
  return { LOCPATH: dir, LC_ALL: "en_US.CP1252" };
}

function output(launcher: PythonLauncher, target: PythonTarget, code: string): { stdout: string; stderr: string } {
  const l = launcher.launch(target, ["-c", code]);
  const r = spawnSync(l.command, l.args, { cwd: l.cwd, env: l.env });
  return { stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

describe("a child Python's output is UTF-8 whatever its code page", () => {
  it("the private environment (isolated, so PYTHON* variables are ignored) and any other Python", () => {
    const env = { ...process.env, ...codePageEnv() };
    delete env.PYTHONIOENCODING;
    delete env.PYTHONUTF8;
    const launcher = new PythonLauncher(tempDir("storage"), env);
    const minor = Number(execFileSync(testPython(), ["-c", "import sys; print(sys.version_info[1])"]).toString().trim());
    if (process.platform === "linux") {
      const plain = execFileSync(testPython(), ["-c", "import sys; print(sys.stdout.encoding)"], { env }).toString().trim();
      assert.equal(plain, "cp1252", "the forced code page took effect");
    }
    const say = "import sys; print('Jos\\xe9 \\u0141ukasz'); sys.stderr.write('C:\\\\Users\\\\Jos\\xe9\\n')";
    const targets: Array<[string, PythonTarget]> = [
      ["the private environment's (-I)", { argv: [testPython()], own: true }],
      ["an unprobed one (the probe)", { argv: [testPython()], own: false }],
      ["a probed one (venv, pip, the helper)", { argv: [testPython()], own: false, version: [3, minor, 0] }],
    ];
    for (const [what, target] of targets) {
      const r = output(launcher, target, say);
      assert.equal(r.stdout, "José Łukasz\n", `${what}: ${r.stderr}`);
      assert.equal(r.stderr, "C:\\Users\\José\n", what);
    }
  });
});

describe("PEP 668: a Python pip will not install into", () => {
  it("the probe says whether the Python is externally managed (a virtual environment never is)", async () => {
    const r = await probePython({ argv: [testPython()], source: "path" }, new PythonLauncher(tempDir("storage")));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.info.externallyManaged, false);
  });

  it(
    "the probe finds the EXTERNALLY-MANAGED marker in a real Python's stdlib folder",
    posixOnly("the stand-in installation is made of symbolic links to files, which need a privilege on Windows"),
    async () => {
      // The test Python's base installation seen through PYTHONHOME: a prefix of our own
      // whose stdlib folder links to the real one's entries, with or without the marker.
      const where = JSON.parse(
        execFileSync(testPython(), [
          "-c",
          "import json, os, sys, sysconfig; print(json.dumps([sys._base_executable, sys.base_prefix, os.path.relpath(sysconfig.get_path('stdlib'), sys.base_prefix)]))",
        ]).toString(),
      ) as [string, string, string];
      const [base, prefix, stdlib] = where;
      const managedIn = async (marker: boolean) => {
        const home = tempDir("home");
        const dir = path.join(home, stdlib);
        fs.mkdirSync(dir, { recursive: true });
        for (const name of fs.readdirSync(path.join(prefix, stdlib))) {
          fs.symlinkSync(path.join(prefix, stdlib, name), path.join(dir, name));
        }
        if (marker) {
          fs.writeFileSync(path.join(dir, "EXTERNALLY-MANAGED"), "[externally-managed]\nError=use a virtual environment\n");
        }
        const launcher = new PythonLauncher(tempDir("storage"), { ...process.env, PYTHONHOME: home });
        const r = await probePython({ argv: [base], source: "path" }, launcher);
        assert.ok(r.ok, JSON.stringify(r));
        return r.info.externallyManaged;
      };
      assert.equal(await managedIn(true), true);
      assert.equal(await managedIn(false), false);
    },
  );

  it("a setting at Homebrew's Python without the package: a virtual environment, not a bare pip install", async () => {
    const brew = "/opt/homebrew/bin/python3";
    for (const platform of ["darwin", "linux"] as const) {
      const { result } = locate({ [brew]: ["3.13.1", null, true] }, { platform, setting: brew });
      const r = await result;
      assert.ok(r.kind === "settingUnusable", JSON.stringify(r));
      assert.equal(r.externallyManaged, true);
      assert.equal(
        r.installCommand,
        `/opt/homebrew/bin/python3 -m venv ~/.aws-login-bridge-venv && ~/.aws-login-bridge-venv/bin/python -m pip install /ext/helper/aws_login_bridge-0.2.0-py3-none-any.whl`,
      );
    }
  });

  it("on macOS a Python not known to be managed gets the same advice; on Linux and Windows a bare pip install", () => {
    assert.equal(
      pipInstallCommand(["python3"], "aws-login-bridge", "darwin"),
      "python3 -m venv ~/.aws-login-bridge-venv && ~/.aws-login-bridge-venv/bin/python -m pip install aws-login-bridge",
    );
    assert.equal(pipInstallCommand(["python3"], "aws-login-bridge", "linux"), "python3 -m pip install aws-login-bridge");
    assert.equal(pipInstallCommand(["python3"], "aws-login-bridge", "darwin", false), "python3 -m pip install aws-login-bridge");
    assert.equal(
      pipInstallCommand(["C:\\Program Files\\Python312\\python.exe"], "aws-login-bridge", "win32", true),
      "& 'C:\\Program Files\\Python312\\python.exe' -m venv \"$HOME\\.aws-login-bridge-venv\"; " +
        "& \"$HOME\\.aws-login-bridge-venv\\Scripts\\python.exe\" -m pip install aws-login-bridge",
    );
  });

  it("a build without a wheel, on macOS: the index install into a virtual environment", async () => {
    const r = await locate({}, { platform: "darwin", bundled: undefined }).result;
    assert.deepEqual(r, {
      kind: "missing",
      installCommand: "python3 -m venv ~/.aws-login-bridge-venv && ~/.aws-login-bridge-venv/bin/python -m pip install aws-login-bridge",
    });
  });
});

describe("a pythonPath too old for the helper", () => {
  for (const helper of [null, "0.2.0"]) {
    it(`Xcode's Python 3.9 (${helper ? "with" : "without"} the package): the version, not the package`, async () => {
      const xcode = "/Applications/Xcode.app/Contents/Developer/usr/bin/python3";
      const { result } = locate({ [xcode]: ["3.9.6", helper] }, { platform: "darwin", setting: xcode });
      assert.deepEqual(await result, {
        kind: "settingRefused",
        python: xcode,
        message:
          `AWS Login cannot run its helper with ${xcode} (awsLogin.pythonPath) because it is Python 3.9.6: ` +
          "set awsLogin.pythonPath to a Python 3.10 or newer, or clear it to let AWS Login install its own.",
      });
    });
  }
});

describe("Apple's /usr/bin/python3 stand-in, on a Mac without the developer tools", posixOnly("macOS is forced with shell scripts on a POSIX PATH"), () => {
  /** A stand-in that leaves a mark when started (the dialog), a real Python after it on PATH. */
  function mac() {
    const marks = tempDir("marks");
    const shimDir = tempDir("usr-bin");
    const shim = path.join(shimDir, "python3");
    fs.writeFileSync(shim, `#!/bin/sh\n: > "${marks}/dialog"\nexit 1\n`, { mode: 0o755 });
    const machineDir = tempDir("brew-bin");
    fs.writeFileSync(path.join(machineDir, "python3"), `#!/bin/sh\nexec "${testPython()}" "$@"\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: [shimDir, machineDir].join(path.delimiter) };
    const launcher = new PythonLauncher(tempDir("storage"), env);
    const run = (tools: boolean, guard = WorkspaceGuard.trusted()) =>
      new SearchRun("darwin", launcher, async () => undefined, guard, undefined, () => undefined, { path: shim, toolsInstalled: () => tools });
    return { shim, run, dialog: () => fs.existsSync(path.join(marks, "dialog")) };
  }
  const onPath: PythonCandidate = { argv: ["python3"], source: "path" };

  it("python3 on PATH resolving to it is passed over for the next python3 on PATH", async () => {
    const m = mac();
    const r = await m.run(false).probe(onPath);
    assert.equal(m.dialog(), false, "the stand-in was started");
    assert.ok(r.ok, JSON.stringify(r));
  });

  it("in Restricted Mode too (PATH resolved by the workspace guard)", async () => {
    const m = mac();
    const r = await m.run(false, new WorkspaceGuard([tempDir("ws")], "darwin")).probe(onPath);
    assert.equal(m.dialog(), false, "the stand-in was started");
    assert.ok(r.ok, JSON.stringify(r));
  });

  it("named directly (the Python extension's choice, the setting): not started, and the setting says why", async () => {
    const m = mac();
    const r = await m.run(false).probe({ argv: [m.shim], source: "pythonExtension" });
    assert.equal(m.dialog(), false);
    assert.deepEqual(r.ok ? r : { ok: r.ok, reason: r.reason }, { ok: false, reason: "developerTools" });
    const located = await locateHelper({
      platform: "darwin",
      setting: m.shim,
      pythonExtension: async () => undefined,
      venvDir: tempDir("venv"),
      bundled: undefined,
      probe: m.run(false).probe,
    });
    assert.equal(m.dialog(), false);
    assert.deepEqual(located, {
      kind: "settingRefused",
      python: m.shim,
      message:
        `AWS Login does not start ${m.shim} (awsLogin.pythonPath): it is macOS's stand-in for the command line developer tools, which are not installed, ` +
        "and starting it opens their installer; install them (`xcode-select --install`) or set awsLogin.pythonPath to another Python.",
    });
  });

  it("with the developer tools installed it is an ordinary Python", async () => {
    const m = mac();
    const r = await m.run(true).probe(onPath);
    assert.equal(m.dialog(), true, "with the tools, python3 on PATH is the first one");
    assert.equal(r.ok, false);
  });
});
