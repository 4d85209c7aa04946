/**
 * Installs the bundled aws-login-bridge wheel into the extension's private virtual
 * environment: finds a Python >= 3.10, makes the environment with `-m venv`, then
 * `-m pip install --upgrade <wheel>` (dependencies come from the person's own pip
 * configuration and index). The same call upgrades the environment after an extension
 * update. Progress goes to `report`, pip's output to `log`. No `vscode` import.
 *
 * The wheel is installed only when its sha256 is the one recorded when the .vsix was built:
 * anything else (a damaged or replaced file, no record) is refused before any process starts.
 *
 * Two windows may want to install at once: a lock folder next to the environment makes the
 * second wait, and it then finds the work done.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BundledWheel, wheelProblem } from "./helperLocator";
import {
  Probe,
  PythonCandidate,
  PythonInfo,
  baseCandidates,
  firstMatching,
  isSupported,
  lastLine,
  probePython,
  probedTarget,
  venvPython,
  versionText,
} from "./pythonFinder";
import { PythonLauncher, PythonTarget } from "./pythonLaunch";
import { Platform } from "./shellCommand";

export class InstallError extends Error {
  constructor(message: string, readonly detail = "") {
    super(message);
    this.name = "InstallError";
  }
}

export interface InstallOptions {
  venvDir: string;
  wheel: BundledWheel;
  platform: Platform;
  launcher: PythonLauncher;
  /** The Python to make the environment with; asked only when the environment has to be made. */
  basePython: () => Promise<BasePython>;
  report: (message: string) => void;
  log: (line: string) => void;
  signal?: AbortSignal;
  probe?: Probe;
  /** How long to wait for another window's install (ms). */
  lockWaitMs?: number;
}

/** What to install when there is no usable Python, per platform. */
export function noPythonAdvice(platform: Platform): string {
  switch (platform) {
    case "win32":
      return "Install Python 3.10 or newer from python.org (or `winget install Python.Python.3.12`), then try again.";
    case "darwin":
      return "Install Python 3.10 or newer from python.org (or `brew install python@3.12`), then try again.";
    default:
      return "Install Python 3.10 or newer with its venv module (Debian/Ubuntu: `sudo apt install python3 python3-venv`), then try again.";
  }
}

export interface BasePython {
  candidate: PythonCandidate;
  info: PythonInfo;
}

/** A Python >= 3.10 to make the environment with, or an error that says what to install. */
export async function findBasePython(
  platform: Platform,
  pythonExtension: string | undefined,
  probe: Probe,
): Promise<BasePython> {
  const candidates = baseCandidates(platform, pythonExtension);
  const { found, tried } = await firstMatching(candidates, isSupported, probe);
  if (found) {
    return found;
  }
  const seen = tried
    .filter((t): t is Extract<typeof t, { ok: true }> => t.ok)
    .map((t) => `${versionText(t.info)} at ${t.info.executable}`);
  throw new InstallError(
    `AWS Login found no Python 3.10 or newer to install its helper with` +
      (seen.length ? ` (only ${seen.join(", ")}).` : ".") +
      ` ${noPythonAdvice(platform)}`,
    `tried: ${candidates.map((c) => c.argv.join(" ")).join(", ")}`,
  );
}

/** Installs (or upgrades) the helper; returns the environment's interpreter, probed. */
export async function installHelper(o: InstallOptions): Promise<PythonInfo> {
  const refused = await wheelProblem(o.wheel);
  if (refused) {
    throw new InstallError(refused);
  }
  const probe = o.probe ?? ((c) => probePython(c, o.launcher));
  const own: PythonCandidate = { argv: [venvPython(o.venvDir, o.platform)], source: "private" };
  const release = await acquireLock(`${o.venvDir}.lock`, o.lockWaitMs ?? 15 * 60_000, o.signal);
  try {
    const before = await probe(own);
    if (before.ok && before.info.helperVersion === o.wheel.version) {
      return before.info; // another window finished it meanwhile
    }
    if (!before.ok) {
      const base = await o.basePython();
      o.report(`Creating a private Python environment with Python ${versionText(base.info)} (${base.info.executable})…`);
      o.log(`[install] python ${versionText(base.info)} at ${base.info.executable} -m venv ${o.venvDir}`);
      await fs.promises.rm(o.venvDir, { recursive: true, force: true });
      await makeVenv(base.info, o);
    }
    o.report(`Installing aws-login-bridge ${o.wheel.version} and its dependencies…`);
    await pipInstall({ argv: own.argv, own: true }, o);
    const after = await probe(own);
    if (!after.ok || after.info.helperVersion !== o.wheel.version) {
      throw new InstallError(
        "AWS Login installed its helper, but it does not start. See the AWS Login output for details.",
        after.ok ? `helper version ${after.info.helperVersion}` : after.detail,
      );
    }
    return after.info;
  } finally {
    await release();
  }
}

async function makeVenv(info: PythonInfo, o: InstallOptions): Promise<void> {
  const base = info.executable;
  const r = await run(probedTarget(info, false), ["-m", "venv", o.venvDir], o, () => undefined);
  if (r.code !== 0) {
    await fs.promises.rm(o.venvDir, { recursive: true, force: true });
    const noVenv = /ensurepip is not available|No module named venv/.test(r.output);
    throw new InstallError(
      noVenv
        ? `The Python at ${base} cannot make virtual environments. ${noPythonAdvice(o.platform)}`
        : `AWS Login could not make its private Python environment with ${base}: ${lastLine(r.output)}`,
      r.output,
    );
  }
}

async function pipInstall(python: PythonTarget, o: InstallOptions): Promise<void> {
  const args = ["-m", "pip", "install", "--upgrade", "--progress-bar", "off", o.wheel.path];
  const r = await run(python, args, o, (line) => {
    const step = pipStep(line);
    if (step) {
      o.report(step);
    }
  });
  if (r.code !== 0) {
    throw new InstallError(
      `Installing the AWS Login helper's packages failed: ${lastLine(r.output)} ` +
        "Check your pip configuration (`pip config list`) and network, then try again.",
      r.output,
    );
  }
}

/** pip's output line, as a short progress message (or undefined to keep the last one). */
export function pipStep(line: string): string | undefined {
  const m = /^\s*(Collecting|Downloading|Processing|Using cached)\s+(\S+)/.exec(line);
  if (m) {
    const name = m[2].replace(/^.*[\\/]/, "").replace(/(-\d.*)?(\.whl|\.tar\.gz)$/, "");
    return `${m[1] === "Using cached" ? "Collecting" : m[1]} ${name}…`;
  }
  const inst = /^Installing collected packages: (.*)$/.exec(line.trim());
  if (inst) {
    return `Installing ${inst[1].split(",").length} packages…`;
  }
  return undefined;
}

interface RunResult {
  code: number | null;
  output: string;
}

function run(
  python: PythonTarget,
  args: readonly string[],
  o: InstallOptions,
  onLine: (line: string) => void,
): Promise<RunResult> {
  const program = python.argv[0];
  return new Promise((resolve, reject) => {
    const pipEnv = { PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" };
    const child = o.launcher.start(o.launcher.launch(python, args, pipEnv));
    let output = "";
    let partial = "";
    const onData = (b: Buffer) => {
      const text = partial + b.toString("utf8");
      const lines = text.split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const line of lines) {
        output += line + "\n";
        o.log(`[install] ${line}`);
        onLine(line);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const abort = () => child.kill();
    o.signal?.addEventListener("abort", abort);
    child.on("error", (e) => {
      o.signal?.removeEventListener("abort", abort);
      reject(new InstallError(`AWS Login could not run ${program}: ${e.message}`));
    });
    child.on("close", (code) => {
      o.signal?.removeEventListener("abort", abort);
      if (o.signal?.aborted) {
        reject(new InstallError("The helper's installation was cancelled."));
        return;
      }
      output += partial;
      resolve({ code, output });
    });
  });
}

/** A folder as a lock (mkdir is atomic everywhere); a lock older than the wait is stale. */
async function acquireLock(dir: string, waitMs: number, signal?: AbortSignal): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await fs.promises.mkdir(dir, { recursive: false });
      return () => fs.promises.rm(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        await fs.promises.mkdir(path.dirname(dir), { recursive: true });
        continue;
      }
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw e;
      }
    }
    const age = Date.now() - (await fs.promises.stat(dir).then((s) => s.mtimeMs, () => Date.now()));
    if (age > waitMs || Date.now() > deadline) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      continue;
    }
    if (signal?.aborted) {
      throw new InstallError("The helper's installation was cancelled.");
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
