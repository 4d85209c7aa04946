/**
 * What one search for the helper's Python asks at most once: the Python extension's selected
 * interpreter, each candidate Python's probe, and the Python to make the private environment
 * with. Each is a process or an extension API call, slow on Windows and in cloud IDEs, and the
 * search, the Install offer and the install all want them. The next search makes a new run and
 * asks afresh: the person may have picked another interpreter or installed a Python since.
 * No `vscode` import.
 */
import { BasePython, findBasePython } from "./helperInstall";
import { Probe, ProbeResult, probePython } from "./pythonFinder";
import { Platform } from "./shellCommand";

export class SearchRun {
  private interpreter: Promise<string | undefined> | undefined;
  private base: Promise<BasePython> | undefined;
  private readonly probes = new Map<string, Promise<ProbeResult>>();

  constructor(
    readonly platform: Platform,
    readonly env: NodeJS.ProcessEnv,
    private readonly askPythonExtension: () => Promise<string | undefined>,
    private readonly realProbe: Probe = probePython,
  ) {}

  /** The Python extension's interpreter. */
  readonly pythonExtension = (): Promise<string | undefined> => (this.interpreter ??= this.askPythonExtension());

  /** A candidate's probe. Not for the private environment's interpreter during an install: that one changes. */
  readonly probe: Probe = (argv, env) => {
    const key = argv.join("\0");
    let result = this.probes.get(key);
    if (!result) {
      result = this.realProbe(argv, env);
      this.probes.set(key, result);
    }
    return result;
  };

  /** The Python to make the private environment with (rejects with what to install when there is none). */
  readonly basePython = (): Promise<BasePython> =>
    (this.base ??= this.pythonExtension().then((ext) => findBasePython(this.platform, this.env, ext, this.probe)));
}
