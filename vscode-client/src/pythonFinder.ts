/**
 * Which Pythons there are and what each has: the interpreter candidates for running the
 * helper and for making the private environment, and a probe that asks one interpreter for
 * its real path, its version and the aws-login-bridge version it imports. No `vscode` import.
 *
 * Windows: `python3` is not asked for (there it is often the Microsoft Store stub, which
 * opens the Store instead of running); the `py` launcher and `python` are, and every
 * candidate is probed, so a stub that only prints "Python was not found" is skipped. What
 * runs afterwards is the probed `sys.executable`, an absolute path. A `.bat`/`.cmd` is never
 * started: Node refuses to without a shell (CVE-2024-27980).
 *
 * macOS: `/usr/bin/python3` is Apple's stand-in for the command line developer tools; without
 * them, starting it opens their installer's dialog. It is passed over (also when a bare
 * `python3` resolves to it on PATH) unless the tools are installed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PythonLauncher, PythonTarget, Version } from "./pythonLaunch";
import { Platform } from "./shellCommand";

export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** Where a candidate came from, in the order they are tried. */
export type PythonSource = "setting" | "pythonExtension" | "path" | "private";

export interface PythonCandidate {
  /** Program and leading arguments, e.g. `["py", "-3"]`. */
  argv: string[];
  source: PythonSource;
}

export interface PythonInfo {
  /** `sys.executable`: the absolute path to run from now on. */
  executable: string;
  version: Version;
  /** `aws_login_bridge.__version__`, or null when it does not import. */
  helperVersion: string | null;
  /** PEP 668: pip refuses to install into it (Homebrew's, Debian's). Undefined: not asked. */
  externallyManaged?: boolean;
}

export type ProbeResult =
  | { ok: true; info: PythonInfo }
  /**
   * `untrusted`: not run, as it lies inside a folder of a workspace that is not trusted.
   * `developerTools`: not run, as it is macOS's stand-in for the missing developer tools.
   */
  | { ok: false; argv: string[]; reason: "notFound" | "failed" | "untrusted" | "developerTools"; detail: string };

export type Probe = (candidate: PythonCandidate) => Promise<ProbeResult>;

/** How a candidate is started: the private environment's interpreter isolated. */
export function targetOf(candidate: PythonCandidate): PythonTarget {
  return { argv: candidate.argv, own: candidate.source === "private" };
}

/** How a probed interpreter is started from now on. */
export function probedTarget(info: PythonInfo, own: boolean): PythonTarget {
  return { argv: [info.executable], own, version: info.version };
}

/** The Pythons on PATH, by the names this platform's installers give them. */
export function pathPythons(platform: Platform): string[][] {
  if (platform === "win32") {
    return [["py", "-3"], ["python"]];
  }
  const versioned = ["3.13", "3.12", "3.11", "3.10"].map((v) => [`python${v}`]);
  return [["python3"], ...versioned, ["python"]];
}

/** Candidates for running the helper: the setting alone when set, else the Python extension's, then PATH's first. */
export function helperCandidates(
  platform: Platform,
  setting: string,
  pythonExtension: string | undefined,
): PythonCandidate[] {
  if (setting) {
    return [{ argv: [setting], source: "setting" }];
  }
  const out: PythonCandidate[] = [];
  if (pythonExtension) {
    out.push({ argv: [pythonExtension], source: "pythonExtension" });
  }
  out.push({ argv: pathPythons(platform)[0], source: "path" });
  return out;
}

/** Candidates for creating the private environment (any Python >= 3.10 will do). */
export function baseCandidates(platform: Platform, pythonExtension: string | undefined): PythonCandidate[] {
  const out: PythonCandidate[] = [];
  if (pythonExtension) {
    out.push({ argv: [pythonExtension], source: "pythonExtension" });
  }
  for (const argv of pathPythons(platform)) {
    out.push({ argv, source: "path" });
  }
  return out;
}

/** The interpreter inside a virtual environment. */
export function venvPython(venvDir: string, platform: Platform): string {
  const p = platform === "win32" ? path.win32 : path.posix;
  return platform === "win32" ? p.join(venvDir, "Scripts", "python.exe") : p.join(venvDir, "bin", "python");
}

export function isSupported(info: PythonInfo): boolean {
  const [major, minor] = info.version;
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

export function versionText(info: PythonInfo): string {
  return info.version.join(".");
}

/** A Windows batch file (Windows drops trailing dots and spaces from a name, as Node's check does). */
export function isBatchFile(program: string, platform: Platform): boolean {
  return platform === "win32" && /\.(bat|cmd)$/i.test(program.replace(/[. ]+$/, ""));
}

/** Apple's stand-in `python3`, and whether the developer tools it stands in for are there. */
export interface XcodeShim {
  path: string;
  toolsInstalled: () => boolean;
}

/** The command line tools (their own Python), or Xcode selected: `xcode-select -p` exits 0 (it shows no dialog). */
export function developerToolsInstalled(): boolean {
  if (fs.existsSync("/Library/Developer/CommandLineTools/usr/bin/python3")) {
    return true;
  }
  // By its absolute path: a bare name would be looked up on PATH, whose relative entries
  // count from the extension host's folder (the workspace).
  return spawnSync("/usr/bin/xcode-select", ["-p"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

export const XCODE_SHIM: XcodeShim = { path: "/usr/bin/python3", toolsInstalled: developerToolsInstalled };

/** Whether `program` (an absolute path) is the stand-in, by any name: it may be reached through a link. */
export function isXcodeShim(program: string, shim: XcodeShim): boolean {
  let real = program;
  try {
    real = fs.realpathSync(program);
  } catch {
    // not there: compared as given
  }
  // macOS volumes are case-insensitive unless made otherwise.
  return [program, real].some((p) => p.toLowerCase() === shim.path.toLowerCase());
}

/**
 * The programs among `matches` (a name's PATH matches, in order, or one path) that may be
 * started on macOS: all of them, unless the developer tools are missing, then all but the
 * stand-in. `toolsInstalled` is asked only when the stand-in is among them.
 */
export function withoutXcodeShim(matches: readonly string[], shim: XcodeShim): string[] {
  const isShim = matches.map((m) => isXcodeShim(m, shim));
  if (!isShim.includes(true) || shim.toolsInstalled()) {
    return [...matches];
  }
  return matches.filter((_, i) => !isShim[i]);
}

/** Why a stand-in was not started, for a ProbeResult's detail. */
export function xcodeShimDetail(program: string): string {
  return (
    `${program} is macOS's stand-in for the command line developer tools, which are not installed, ` +
    "and starting it opens their installer"
  );
}

const PROBE = [
  "import json, os, sys, sysconfig",
  "try:",
  "    import aws_login_bridge",
  "    v = getattr(aws_login_bridge, '__version__', '?')",
  "except ImportError:",
  "    v = None",
  // PEP 668: the marker in the stdlib folder counts outside a virtual environment only.
  "managed = sys.prefix == sys.base_prefix and os.path.isfile(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))",
  "json.dump({'executable': sys.executable, 'version': list(sys.version_info[:3]), 'helper': v, 'managed': managed}, sys.stdout)",
].join("\n");

/** Runs the probe in one interpreter (a real process; no shell). */
export function probePython(
  candidate: PythonCandidate,
  launcher: PythonLauncher,
  timeoutMs = 30_000,
): Promise<ProbeResult> {
  const argv = candidate.argv;
  return new Promise((resolve) => {
    let out = "";
    let err = "";
    const fail = (reason: "notFound" | "failed", detail: string) =>
      resolve({ ok: false, argv: [...argv], reason, detail });
    let child: ReturnType<PythonLauncher["start"]>;
    try {
      child = launcher.start(launcher.launch(targetOf(candidate), ["-c", PROBE]));
    } catch (e) {
      fail("failed", e instanceof Error ? e.message : String(e));
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      fail("failed", `${argv.join(" ")} did not answer within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(e.code === "ENOENT" || e.code === "EACCES" ? "notFound" : "failed", e.message);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const info = code === 0 ? parseProbe(out) : undefined;
      if (info) {
        resolve({ ok: true, info });
      } else {
        fail("failed", lastLine(err) || `exit code ${code}`);
      }
    });
  });
}

function parseProbe(out: string): PythonInfo | undefined {
  try {
    const j = JSON.parse(out) as { executable?: unknown; version?: unknown; helper?: unknown; managed?: unknown };
    const v = j.version;
    if (typeof j.executable !== "string" || !Array.isArray(v) || v.length !== 3) {
      return undefined;
    }
    return {
      executable: j.executable,
      version: [Number(v[0]), Number(v[1]), Number(v[2])],
      helperVersion: typeof j.helper === "string" ? j.helper : null,
      externallyManaged: j.managed === true,
    };
  } catch {
    return undefined;
  }
}

/** A Python's output, for a message: its last non-blank line, without surrounding spaces. */
export function lastLine(s: string): string {
  const lines = s.split(/\r?\n/).filter((l) => l.trim() !== "");
  return (lines[lines.length - 1] ?? "").trim();
}

/** The first candidate whose probe satisfies `accept`, with every probe's outcome. */
export async function firstMatching(
  candidates: readonly PythonCandidate[],
  accept: (info: PythonInfo) => boolean,
  probe: Probe,
): Promise<{ found?: { candidate: PythonCandidate; info: PythonInfo }; tried: ProbeResult[] }> {
  const tried: ProbeResult[] = [];
  for (const candidate of candidates) {
    const r = await probe(candidate);
    tried.push(r);
    if (r.ok && accept(r.info)) {
      return { found: { candidate, info: r.info }, tried };
    }
  }
  return { tried };
}
