/**
 * What one search for the helper's Python asks at most once: the Python extension's selected
 * interpreter, each candidate Python's probe, and the Python to make the private environment
 * with. Each is a process or an extension API call, slow on Windows and in cloud IDEs, and the
 * search, the Install offer and the install all want them. The next search makes a new run and
 * asks afresh: the person may have picked another interpreter, installed a Python, or trusted
 * the workspace since.
 *
 * Every candidate passes the run's `WorkspaceGuard` before it is probed, and its
 * `sys.executable` after: in an untrusted workspace, nothing inside a workspace folder runs.
 * On macOS it passes the developer tools' stand-in first (`withoutXcodeShim`): a bare name
 * is looked up on PATH here, so that a `python3` resolving to `/usr/bin/python3` is seen.
 * No `vscode` import.
 */
import { BasePython, findBasePython } from "./helperInstall";
import {
  Probe,
  ProbeResult,
  PythonCandidate,
  XCODE_SHIM,
  XcodeShim,
  probePython,
  withoutXcodeShim,
  xcodeShimDetail,
} from "./pythonFinder";
import { PythonLauncher } from "./pythonLaunch";
import { Platform } from "./shellCommand";
import { WorkspaceGuard, isBareName, pathMatches } from "./workspaceGuard";

export class SearchRun {
  private interpreter: Promise<string | undefined> | undefined;
  private base: Promise<BasePython> | undefined;
  private readonly probes = new Map<string, Promise<ProbeResult>>();
  private readonly shim: XcodeShim;

  constructor(
    readonly platform: Platform,
    readonly launcher: PythonLauncher,
    private readonly askPythonExtension: () => Promise<string | undefined>,
    readonly guard: WorkspaceGuard = WorkspaceGuard.trusted(),
    private readonly realProbe: Probe = (c) => probePython(c, launcher),
    private readonly log: (line: string) => void = () => undefined,
    shim: XcodeShim = XCODE_SHIM,
  ) {
    let tools: boolean | undefined;
    this.shim = { path: shim.path, toolsInstalled: () => (tools ??= shim.toolsInstalled()) };
  }

  /** The Python extension's interpreter. */
  readonly pythonExtension = (): Promise<string | undefined> => (this.interpreter ??= this.askPythonExtension());

  /** A candidate's probe. Not for the private environment's interpreter during an install: that one changes. */
  readonly probe: Probe = (candidate) => {
    const key = `${candidate.source}\0${candidate.argv.join("\0")}`;
    let result = this.probes.get(key);
    if (!result) {
      result = this.guarded(candidate);
      this.probes.set(key, result);
    }
    return result;
  };

  /** The Python to make the private environment with (rejects with what to install when there is none). */
  readonly basePython = (): Promise<BasePython> =>
    (this.base ??= this.pythonExtension().then((ext) => findBasePython(this.platform, ext, this.probe)));

  /** The probe, unless the candidate (or what it turns out to be) lies inside an untrusted workspace folder. */
  private async guarded(candidate: PythonCandidate): Promise<ProbeResult> {
    // The private environment is the extension's own, wherever its storage lies.
    if (candidate.source === "private") {
      return this.realProbe(candidate);
    }
    const argv = await this.admitted(candidate.argv);
    if (argv === "developerTools") {
      const detail = xcodeShimDetail(this.shim.path);
      this.log(`not running ${candidate.argv.join(" ")}: ${detail}`);
      return { ok: false, argv: [...candidate.argv], reason: "developerTools", detail };
    }
    if (!argv) {
      return this.refused(candidate.argv, candidate.argv[0]);
    }
    const r = await this.realProbe({ ...candidate, argv });
    // A launcher or a shim may hand over to another interpreter: that one runs from now on.
    if (r.ok && (await this.guard.folderHolding(r.info.executable)) !== undefined) {
      return this.refused(candidate.argv, r.info.executable);
    }
    return r;
  }

  /** What to start for `argv`: past the macOS stand-in, then the workspace guard. */
  private async admitted(argv: readonly string[]): Promise<string[] | undefined | "developerTools"> {
    const env = this.launcher.env;
    const workDir = this.launcher.workDir;
    if (this.platform !== "darwin") {
      return this.guard.admit(argv, env, workDir);
    }
    const [program, ...rest] = argv;
    const matches = isBareName(program) ? pathMatches(program, env, workDir, this.platform) : [program];
    const allowed = withoutXcodeShim(matches, this.shim);
    if (allowed.length === matches.length) {
      return this.guard.admit(argv, env, workDir);
    }
    if (allowed.length === 0) {
      return "developerTools";
    }
    for (const match of allowed) {
      const admitted = await this.guard.admit([match, ...rest], env, workDir);
      if (admitted) {
        return admitted;
      }
    }
    return undefined;
  }

  private refused(argv: readonly string[], program: string): ProbeResult {
    const detail = `${program} lies inside a folder of this workspace, which is not trusted`;
    this.log(`not running ${argv.join(" ")}: ${detail}`);
    return { ok: false, argv: [...argv], reason: "untrusted", detail };
  }
}
