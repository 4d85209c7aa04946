/**
 * How every Python the extension starts is started: the interpreter probe, `-m venv`,
 * `-m pip` and the helper (through vscode-languageclient). All of them get the same three
 * things, decided here and nowhere else, so that no module of the folder VS Code opened is
 * ever imported:
 *
 * - A working folder of their own: the extension's global storage, made if missing. Without
 *   one, a process inherits the extension host's working folder (the repository, when started
 *   as `code .` or `code-server .`), and vscode-languageclient even picks the first workspace
 *   folder. Python puts that folder first on `sys.path` for `-c` and `-m`, so a repository
 *   holding `aws_login_bridge/`, `json.py` or `pip/` would run. The working folder also
 *   decides which interpreter a pyenv or asdf shim picks (`.python-version`), and Windows looks
 *   for a bare program name in it before PATH; relative PATH entries resolve against it too.
 * - The safe-path switch where the Python has it. The private environment's interpreter gets
 *   `-I` (isolated: no working folder or script folder on `sys.path` on every Python 3, no
 *   user site-packages, no PYTHON* variables): it needs none of them. Any other Python gets
 *   `-P` once its version is known to be 3.11 or newer. The probe runs before the version is
 *   known: `-P` would make 3.10 refuse to start, and `-I` would hide packages in the user site
 *   or on PYTHONPATH that the helper, started without it, does import, so the probe would
 *   answer for another `sys.path` than the run's. It relies on `PYTHONSAFEPATH=1` in the
 *   environment instead, which every Python 3.11+ honours like `-P` and older ones ignore;
 *   on those, what stays first on `sys.path` is the working folder above, which is ours.
 *   The variable also reaches the Pythons that venv, pip and the helper start in turn.
 * - `-u` and `PYTHONIOENCODING=utf-8`: output arrives line by line (pip's progress) in the
 *   encoding it is read with. Windows Python writes a pipe in the ANSI code page (cp1252 on
 *   an English Windows), which a path under `C:\Users\José` does not survive as UTF-8, and
 *   a name like Łukasz does not survive at all (UnicodeEncodeError). `-I` ignores every
 *   PYTHON* variable, so the private environment's interpreter gets `-X utf8` instead (UTF-8
 *   mode: UTF-8 stdio, and UTF-8 as the default file encoding, as from Python 3.15 on
 *   anyway). `-u` rather than PYTHONUNBUFFERED, for the same reason.
 *
 * No `vscode` import.
 */
import { ChildProcessByStdio, spawn } from "node:child_process";
import * as fs from "node:fs";
import type { Readable } from "node:stream";

export type Version = readonly [number, number, number];

/** The first Python with `-P` (and PYTHONSAFEPATH). */
const SAFE_PATH_SINCE: readonly [number, number] = [3, 11];

/** UTF-8 stdio where PYTHONIOENCODING is ignored (`-I`): from Python 3.7, so on every Python we run. */
const UTF8_MODE = ["-X", "utf8"];

/** A Python to start: how it is called, whether it is the private environment's, its version once probed. */
export interface PythonTarget {
  /** Program and leading arguments, e.g. `["py", "-3"]`. */
  argv: readonly string[];
  /** The extension's private environment (started isolated). */
  own: boolean;
  /** Unknown before the probe. */
  version?: Version;
}

/** One process start: what `spawn` (or vscode-languageclient's ServerOptions) is given. */
export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The switches that keep the working folder and the script's folder off `sys.path`. */
export function safePathSwitches(target: PythonTarget): string[] {
  if (target.own) {
    return ["-I"];
  }
  const v = target.version;
  const safe = v !== undefined && (v[0] > SAFE_PATH_SINCE[0] || (v[0] === SAFE_PATH_SINCE[0] && v[1] >= SAFE_PATH_SINCE[1]));
  return safe ? ["-P"] : [];
}

export class PythonLauncher {
  /**
   * @param workDir the folder every Python runs in (the extension's global storage)
   * @param env the environment they inherit (the extension host's)
   */
  constructor(
    readonly workDir: string,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** `<python> <switches> -u <args>` in the working folder; `extraEnv` adds variables (pip's). */
  launch(target: PythonTarget, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Launch {
    // Made here, at each start: vscode-languageclient falls back to the workspace folder
    // when the folder it is given does not exist.
    fs.mkdirSync(this.workDir, { recursive: true });
    return {
      command: target.argv[0],
      args: [...target.argv.slice(1), ...safePathSwitches(target), ...(target.own ? UTF8_MODE : []), "-u", ...args],
      cwd: this.workDir,
      env: { ...this.env, ...extraEnv, PYTHONSAFEPATH: "1", PYTHONIOENCODING: "utf-8" },
    };
  }

  /** Starts a launch with its output piped (the probe, venv and pip). */
  start(l: Launch): ChildProcessByStdio<null, Readable, Readable> {
    return spawn(l.command, l.args, { cwd: l.cwd, env: l.env, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
  }
}
