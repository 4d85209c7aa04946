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
 * No `vscode` import.
 */
import { BasePython, findBasePython } from "./helperInstall";
import { Probe, ProbeResult, PythonCandidate, probePython } from "./pythonFinder";
import { PythonLauncher } from "./pythonLaunch";
import { Platform } from "./shellCommand";
import { WorkspaceGuard } from "./workspaceGuard";

export class SearchRun {
  private interpreter: Promise<string | undefined> | undefined;
  private base: Promise<BasePython> | undefined;
  private readonly probes = new Map<string, Promise<ProbeResult>>();

  constructor(
    readonly platform: Platform,
    readonly launcher: PythonLauncher,
    private readonly askPythonExtension: () => Promise<string | undefined>,
    readonly guard: WorkspaceGuard = WorkspaceGuard.trusted(),
    private readonly realProbe: Probe = (c) => probePython(c, launcher),
    private readonly log: (line: string) => void = () => undefined,
  ) {}

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
    const argv = await this.guard.admit(candidate.argv, this.launcher.env, this.launcher.workDir);
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

  private refused(argv: readonly string[], program: string): ProbeResult {
    const detail = `${program} lies inside a folder of this workspace, which is not trusted`;
    this.log(`not running ${argv.join(" ")}: ${detail}`);
    return { ok: false, argv: [...argv], reason: "untrusted", detail };
  }
}
