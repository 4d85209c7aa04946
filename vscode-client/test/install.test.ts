/**
 * Finding a Python for the helper and installing the bundled wheel into the private
 * environment: command lines for each platform (Windows forced on Linux), the discovery
 * order with scripted probes, and real venv + pip runs with small wheels made here.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { findBasePython, installHelper, pipStep } from "../src/helperInstall";
import { LocateOptions, bundledWheel, locateHelper, privateVenvDir } from "../src/helperLocator";
import { Probe, ProbeResult, baseCandidates, helperCandidates, lastLine, probePython, venvPython } from "../src/pythonFinder";
import { PythonLauncher } from "../src/pythonLaunch";
import { SearchRun } from "../src/searchRun";
import { commandLine, pipInstallCommand, quoteArg } from "../src/shellCommand";
import { tempDir, testPython } from "./harness";
import { barePython, makeWheel } from "./installFixtures";

describe("command lines for the person's terminal", () => {
  it("POSIX: quotes only what needs it, single quotes survive", () => {
    assert.equal(quoteArg("/usr/bin/python3", "linux"), "/usr/bin/python3");
    assert.equal(quoteArg("/My Envs/bin/python", "darwin"), "'/My Envs/bin/python'");
    assert.equal(quoteArg("it's", "linux"), "'it'\\''s'");
    assert.equal(
      pipInstallCommand(["/My Envs/bin/python"], "/ext/helper/aws_login_bridge-0.1.0-py3-none-any.whl", "linux"),
      "'/My Envs/bin/python' -m pip install /ext/helper/aws_login_bridge-0.1.0-py3-none-any.whl",
    );
  });

  it("Windows: PowerShell needs & before a quoted program and literal single quotes", () => {
    const python = "C:\\Users\\John Doe\\AppData\\Local\\Programs\\Python\\Python312\\python.exe";
    const wheel = "C:\\Users\\John Doe\\.vscode\\extensions\\x\\helper\\aws_login_bridge-0.1.0-py3-none-any.whl";
    assert.equal(
      pipInstallCommand([python], wheel, "win32"),
      `& '${python}' -m pip install '${wheel}'`,
    );
    assert.equal(pipInstallCommand(["py", "-3"], "aws-login-bridge", "win32"), "py -3 -m pip install aws-login-bridge");
    assert.equal(commandLine(["C:\\Python312\\python.exe", "-V"], "win32"), "C:\\Python312\\python.exe -V");
    // $ and ` are not expanded inside PowerShell single quotes; a quote is doubled.
    assert.equal(quoteArg("C:\\Users\\O'Brien $HOME`", "win32"), "'C:\\Users\\O''Brien $HOME`'");
  });
});

describe("interpreter candidates", () => {
  it("Windows: the py launcher and python, never the python3 Store stub", () => {
    const all = baseCandidates("win32", undefined).map((c) => c.argv.join(" "));
    assert.deepEqual(all, ["py -3", "python"]);
    assert.deepEqual(helperCandidates("win32", "", "C:\\envs\\my env\\python.exe").map((c) => c.argv), [
      ["C:\\envs\\my env\\python.exe"],
      ["py", "-3"],
    ]);
    assert.equal(
      venvPython("C:\\Users\\John Doe\\AppData\\Roaming\\Code\\User\\globalStorage\\x\\helper-venv", "win32"),
      "C:\\Users\\John Doe\\AppData\\Roaming\\Code\\User\\globalStorage\\x\\helper-venv\\Scripts\\python.exe",
    );
  });

  it("Linux and macOS: python3 first, then versioned names", () => {
    assert.deepEqual(helperCandidates("darwin", "", undefined).map((c) => c.argv), [["python3"]]);
    assert.equal(baseCandidates("linux", "/venv/bin/python")[0].argv[0], "/venv/bin/python");
    assert.ok(baseCandidates("linux", undefined).some((c) => c.argv[0] === "python3.10"));
    assert.equal(venvPython("/s/helper-venv", "linux"), "/s/helper-venv/bin/python");
  });

  it("the setting alone when it is set", () => {
    assert.deepEqual(helperCandidates("linux", "/opt/py", "/venv/bin/python"), [{ argv: ["/opt/py"], source: "setting" }]);
  });
});

/** A launcher for searches whose probes are scripted: it starts nothing. */
function unusedLauncher(): PythonLauncher {
  return new PythonLauncher("/nonexistent/work", {});
}

/** A probe that answers from a table: argv joined by spaces → Python version and helper version. */
function table(entries: Record<string, [string, string | null] | "missing">): {
  probe: (argv: readonly string[]) => Promise<ProbeResult>;
  asked: string[];
} {
  const asked: string[] = [];
  const probe = async (argv: readonly string[]): Promise<ProbeResult> => {
    const key = argv.join(" ");
    asked.push(key);
    const e = entries[key];
    if (!e || e === "missing") {
      return { ok: false, argv: [...argv], reason: "notFound", detail: "ENOENT" };
    }
    const v = e[0].split(".").map(Number) as [number, number, number];
    return { ok: true, info: { executable: `/real/${argv[0]}`, version: v, helperVersion: e[1] } };
  };
  return { probe, asked };
}

function locate(entries: Record<string, [string, string | null] | "missing">, o: Partial<LocateOptions> = {}) {
  const t = table(entries);
  const result = locateHelper({
    platform: "linux",
    setting: "",
    pythonExtension: async () => undefined,
    venvDir: "/store/helper-venv",
    bundled: { path: "/ext/helper/aws_login_bridge-0.2.0-py3-none-any.whl", version: "0.2.0" },
    probe: (c) => t.probe(c.argv),
    ...o,
  });
  return { result, asked: t.asked };
}

describe("which Python runs the helper", () => {
  it("the setting wins, even at another version", async () => {
    const { result, asked } = locate({ "/opt/py": ["3.12.1", "0.1.0"], python3: ["3.11.2", "0.2.0"] }, { setting: "/opt/py" });
    assert.deepEqual(await result, { kind: "ready", python: "/real//opt/py", source: "setting", info: { executable: "/real//opt/py", version: [3, 12, 1], helperVersion: "0.1.0" } });
    assert.deepEqual(asked, ["/opt/py"]);
  });

  it("a setting without the package: the install command for that Python, nothing installed", async () => {
    const { result } = locate({ "C:\\My Py\\python.exe": ["3.12.1", null] }, {
      setting: "C:\\My Py\\python.exe",
      platform: "win32",
      bundled: { path: "C:\\ext dir\\helper\\aws_login_bridge-0.2.0-py3-none-any.whl", version: "0.2.0" },
    });
    const r = await result;
    assert.equal(r.kind, "settingUnusable");
    assert.equal(
      r.kind === "settingUnusable" && r.installCommand,
      "& 'C:\\My Py\\python.exe' -m pip install 'C:\\ext dir\\helper\\aws_login_bridge-0.2.0-py3-none-any.whl'",
    );
  });

  it("then the Python extension's interpreter, then PATH's, each at the bundled version", async () => {
    const ext = locate({ "/ws/.venv/bin/python": ["3.11.0", "0.2.0"], python3: ["3.11.2", "0.2.0"] }, {
      pythonExtension: async () => "/ws/.venv/bin/python",
    });
    assert.equal((await ext.result).kind === "ready" && (await ext.result as { source: string }).source, "pythonExtension");
    const onPath = locate({ "/ws/.venv/bin/python": ["3.11.0", "0.1.0"], python3: ["3.11.2", "0.2.0"] }, {
      pythonExtension: async () => "/ws/.venv/bin/python",
    });
    const r = await onPath.result;
    assert.ok(r.kind === "ready" && r.source === "path" && r.python === "/real/python3", JSON.stringify(r));
    assert.deepEqual(onPath.asked, ["/ws/.venv/bin/python", "python3"]);
  });

  it("then the private environment; an older one there is upgraded, none is installed", async () => {
    const own = "/store/helper-venv/bin/python";
    const ready = await locate({ python3: ["3.11.2", null], [own]: ["3.11.2", "0.2.0"] }).result;
    assert.ok(ready.kind === "ready" && ready.source === "private");
    assert.deepEqual(await locate({ python3: ["3.11.2", null], [own]: ["3.11.2", "0.1.0"] }).result, { kind: "upgrade", from: "0.1.0" });
    assert.deepEqual(await locate({ python3: ["3.11.2", null] }).result, { kind: "install" });
    // A Python too old to run the helper does not count even with the right version.
    assert.deepEqual(await locate({ python3: ["3.9.7", "0.2.0"] }).result, { kind: "install" });
  });

  it("a build without a bundled wheel names the index install", async () => {
    const r = await locate({}, { bundled: undefined, platform: "win32" }).result;
    assert.deepEqual(r, { kind: "missing", installCommand: "py -3 -m pip install aws-login-bridge" });
  });

  it("finds the bundled wheel in the extension folder", () => {
    const ext = tempDir("ext");
    assert.equal(bundledWheel(ext), undefined);
    fs.mkdirSync(path.join(ext, "helper"));
    const wheel = path.join(ext, "helper", "aws_login_bridge-1.2.3-py3-none-any.whl");
    fs.writeFileSync(wheel, "");
    assert.deepEqual(bundledWheel(ext), { path: wheel, version: "1.2.3", sha256: undefined });
    const digest = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    fs.writeFileSync(`${wheel}.sha256`, `${digest}  aws_login_bridge-1.2.3-py3-none-any.whl\n`);
    assert.deepEqual(bundledWheel(ext), { path: wheel, version: "1.2.3", sha256: digest.toLowerCase() });
    assert.equal(privateVenvDir("/g"), path.join("/g", "helper-venv"));
  });
});

describe("one search asks each question once", () => {
  it("Windows paths: the Python extension once, each Python once, the base Python from those answers", async () => {
    const selected = "C:\\envs\\my env\\python.exe";
    const venvDir = "C:\\Users\\John Doe\\AppData\\Roaming\\Code\\User\\globalStorage\\x\\helper-venv";
    const t = table({ [selected]: ["3.12.1", null], "py -3": ["3.11.4", "0.1.0"] });
    let reads = 0;
    const readSelected = async () => {
      reads += 1;
      return selected;
    };
    const run = new SearchRun("win32", unusedLauncher(), readSelected, undefined, (c) => t.probe(c.argv));
    const located = await locateHelper({
      platform: run.platform,
      setting: "",
      pythonExtension: run.pythonExtension,
      probe: run.probe,
      venvDir,
      bundled: { path: "C:\\ext\\helper\\aws_login_bridge-0.2.0-py3-none-any.whl", version: "0.2.0" },
    });
    assert.deepEqual(located, { kind: "install" });
    const [offered, installed] = [await run.basePython(), await run.basePython()];
    assert.equal(offered, installed);
    assert.deepEqual(offered.candidate, { argv: [selected], source: "pythonExtension" });
    assert.equal(reads, 1);
    assert.deepEqual(t.asked, [selected, "py -3", `${venvDir}\\Scripts\\python.exe`]);
  });

  it("no base Python: the same refusal each time it is asked, found once", async () => {
    const t = table({ python3: ["3.9.7", null] });
    const run = new SearchRun("linux", unusedLauncher(), async () => undefined, undefined, (c) => t.probe(c.argv));
    await assert.rejects(run.basePython(), /no Python 3\.10 or newer/);
    await assert.rejects(run.basePython(), /no Python 3\.10 or newer/);
    assert.deepEqual(t.asked, ["python3", "python3.13", "python3.12", "python3.11", "python3.10", "python"]);
  });
});

describe("no usable Python: what to install, per platform", () => {
  for (const [platform, advice] of [["linux", /python3-venv/], ["darwin", /brew install python/], ["win32", /winget install Python/]] as const) {
    it(platform, async () => {
      const t = table({ python3: ["3.8.10", null], python: ["2.7.18", null], "py -3": ["3.9.0", null] });
      await assert.rejects(findBasePython(platform, undefined, (c) => t.probe(c.argv)), (e: Error) => {
        assert.match(e.message, /no Python 3\.10 or newer/);
        assert.match(e.message, advice);
        assert.match(e.message, /only 3\.(8\.10|9\.0)/);
        return true;
      });
    });
  }
});

describe("pip's output as progress", () => {
  it("names what it is doing", () => {
    assert.equal(pipStep("Processing /ext/helper/aws_login_bridge-0.1.0-py3-none-any.whl"), "Processing aws_login_bridge…");
    assert.equal(pipStep("Collecting botocore[crt]>=1.41 (from aws-login-bridge==0.1.0)"), "Collecting botocore[crt]>=1.41…");
    assert.equal(pipStep("  Using cached cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl (4.2 MB)"), "Collecting cryptography…");
    assert.equal(pipStep("Installing collected packages: six, jmespath, botocore, aws-login-bridge"), "Installing 4 packages…");
    assert.equal(pipStep("Requirement already satisfied: six"), undefined);
  });
});

// ------------------------------------------------------------------ real processes

describe("the private environment (real venv and pip)", () => {
  it("probes a real interpreter: path, version, helper version", async () => {
    const launcher = new PythonLauncher(tempDir("work"));
    const r = await probePython({ argv: [testPython()], source: "path" }, launcher);
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.ok && path.isAbsolute(r.info.executable) && r.info.helperVersion !== null && r.info.version[0] === 3);
    const without = await probePython({ argv: [barePython()], source: "path" }, launcher);
    assert.ok(without.ok && without.info.helperVersion === null, JSON.stringify(without));
    const missing = await probePython({ argv: ["/nonexistent/python3"], source: "path" }, launcher);
    assert.ok(!missing.ok && missing.reason === "notFound");
  });

  it("a Python that fails: its last output line, trimmed, says why (as the install's errors do)", async () => {
    const fails = "import sys; sys.stderr.write('error: cannot start\\r\\n    see the log\\r\\n  \\r\\n'); sys.exit(2)";
    const launcher = new PythonLauncher(tempDir("work"));
    const r = await probePython({ argv: [testPython(), "-c", fails], source: "path" }, launcher);
    assert.deepEqual(r.ok ? r.info : { reason: r.reason, detail: r.detail }, { reason: "failed", detail: "see the log" });
    const silent = await probePython({ argv: [testPython(), "-c", "raise SystemExit(3)"], source: "path" }, launcher);
    assert.ok(!silent.ok && silent.detail === "exit code 3", JSON.stringify(silent));
    assert.equal(lastLine("Collecting x\n  ERROR: No matching distribution found for x  \n\n"), "ERROR: No matching distribution found for x");
    assert.equal(lastLine(" \r\n"), "");
  });

  it("installs, then upgrades after an update, and two windows at once install once", async () => {
    const dir = tempDir("venv");
    const venvDir = path.join(dir, "storage with space", "helper-venv");
    const steps: string[] = [];
    const launcher = new PythonLauncher(path.join(dir, "storage with space"), { ...process.env, PIP_NO_INDEX: "1" });
    const probe: Probe = (c) => probePython(c, launcher);
    const basePython = () => findBasePython(process.platform, testPython(), probe);
    const base = { venvDir, platform: process.platform, launcher, basePython, log: () => undefined };
    const v1 = makeWheel(dir, "0.0.1");
    const [a, b] = await Promise.all([
      installHelper({ ...base, wheel: v1, report: (m) => steps.push(m) }),
      installHelper({ ...base, wheel: v1, report: (m) => steps.push(`second: ${m}`) }),
    ]);
    assert.deepEqual(a, b);
    // Either window may take the lock first; the other waits and finds the work done, so
    // every step comes from one of them.
    const winner = steps[0]?.startsWith("second: ") ? "second: " : "";
    assert.ok(steps.every((s) => s.startsWith("second: ") === (winner !== "")), steps.join("\n"));
    const own = steps.map((s) => s.slice(winner.length));
    assert.equal(own.filter((s) => s.startsWith("Creating a private Python environment")).length, 1, steps.join("\n"));
    const named = /^Creating a private Python environment with Python 3\.\d+\.\d+ \((.+)\)…$/.exec(own[0]);
    assert.ok(named && path.isAbsolute(named[1]), steps[0]);
    const first = await probePython({ argv: [venvPython(venvDir, process.platform)], source: "private" }, launcher);
    assert.ok(first.ok && first.info.helperVersion === "0.0.1");

    const v2 = makeWheel(dir, "0.0.2");
    const located = await locateHelper({
      platform: process.platform, setting: "", pythonExtension: async () => undefined, venvDir, bundled: v2, probe,
    });
    assert.deepEqual(located, { kind: "upgrade", from: "0.0.1" });
    const upgradeSteps: string[] = [];
    await installHelper({ ...base, wheel: v2, report: (m) => upgradeSteps.push(m) });
    assert.ok(!upgradeSteps.some((s) => s.startsWith("Creating")), upgradeSteps.join("\n"));
    const after = await locateHelper({
      platform: process.platform, setting: "", pythonExtension: async () => undefined, venvDir, bundled: v2, probe,
    });
    assert.ok(after.kind === "ready" && after.source === "private" && after.info.helperVersion === "0.0.2");
    assert.ok(!fs.existsSync(`${venvDir}.lock`));
  });
});
