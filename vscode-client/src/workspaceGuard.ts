/**
 * Which interpreters this window may run. In a trusted workspace, any. In an untrusted one
 * (Restricted Mode), none that lies inside a workspace folder: the Python extension may point
 * at the repository's `.venv`, a PATH entry may lie in the repository, and running either
 * runs the repository's code (a virtual environment's `pyvenv.cfg`, `.pth` files and
 * site-packages are read from where the interpreter is called, not from where its symlink
 * ends). Machine-level Pythons and the private environment are not affected.
 *
 * A program is inside when any name it goes by on the way to the real file is: the path as
 * given, each symlink it passes through, and the file it ends at, each with its folder's
 * symlinks resolved, compared with the workspace folders' real paths. The real file alone
 * would not do: a virtual environment's `python` is a symlink to the machine's Python.
 * No `vscode` import.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import which from "which";
import { Platform } from "./shellCommand";

/** Symlink hops followed before giving up (Linux's own limit). */
const MAX_HOPS = 40;

export class WorkspaceGuard {
  /** Each folder as given, with the paths it goes by (as given, resolved). */
  private folders: Promise<Array<{ folder: string; paths: string[] }>> | undefined;

  /**
   * @param untrustedFolders the workspace folders while the workspace is not trusted;
   *   undefined once it is (or when there is no workspace)
   */
  constructor(
    private readonly untrustedFolders: readonly string[] | undefined,
    private readonly platform: Platform = process.platform,
  ) {}

  static trusted(): WorkspaceGuard {
    return new WorkspaceGuard(undefined);
  }

  get trusted(): boolean {
    return this.untrustedFolders === undefined || this.untrustedFolders.length === 0;
  }

  /** The untrusted workspace folder `program` lies in (by any of its names), if any. */
  async folderHolding(program: string): Promise<string | undefined> {
    if (this.trusted) {
      return undefined;
    }
    const folders = await (this.folders ??= this.realFolders());
    for (const name of await namesOf(program)) {
      const holding = folders.find((f) => f.paths.some((p) => this.within(name, p)));
      if (holding !== undefined) {
        return holding.folder;
      }
    }
    return undefined;
  }

  /**
   * The program to start for `argv` (a bare name looked up on PATH here, so that what runs is
   * what was checked), or undefined when every match lies inside an untrusted workspace
   * folder. Trusted: `argv` as it is. Relative PATH entries count from `workDir`, the working
   * folder the process gets.
   */
  async admit(argv: readonly string[], env: NodeJS.ProcessEnv, workDir: string): Promise<string[] | undefined> {
    if (this.trusted) {
      return [...argv];
    }
    const [program, ...rest] = argv;
    const matches = isBareName(program) ? pathMatches(program, env, workDir, this.platform) : [program];
    for (const match of matches) {
      if ((await this.folderHolding(match)) === undefined) {
        return [match, ...rest];
      }
    }
    return undefined;
  }

  private async realFolders(): Promise<Array<{ folder: string; paths: string[] }>> {
    const out: Array<{ folder: string; paths: string[] }> = [];
    for (const folder of this.untrustedFolders ?? []) {
      const paths = [path.resolve(folder)];
      try {
        paths.push(await fs.promises.realpath(folder));
      } catch {
        // a folder that is gone holds nothing more
      }
      out.push({ folder, paths });
    }
    return out;
  }

  private within(file: string, folder: string): boolean {
    const fold = (s: string) => (this.platform === "win32" || this.platform === "darwin" ? s.toLowerCase() : s);
    const rel = path.relative(fold(folder), fold(file));
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
  }
}

export function isBareName(program: string): boolean {
  return !/[\\/]/.test(program);
}

/** Every program a bare name finds on the PATH of `env`, in order; relative entries count from `workDir`. */
export function pathMatches(name: string, env: NodeJS.ProcessEnv, workDir: string, platform: Platform): string[] {
  const p = platform === "win32" ? path.win32 : path.posix;
  const entries = (envValue(env, "PATH", platform) ?? "").split(p.delimiter);
  const found = which.sync(name, {
    all: true,
    nothrow: true,
    path: entries.map((e) => p.resolve(workDir, e || ".")).join(p.delimiter),
    pathExt: envValue(env, "PATHEXT", platform),
    delimiter: p.delimiter,
  });
  return found ? [...found].map((f) => p.resolve(workDir, f)) : [];
}

/** An environment variable, by any case on Windows (where `Path` is usual). */
function envValue(env: NodeJS.ProcessEnv, key: string, platform: Platform): string | undefined {
  if (platform !== "win32") {
    return env[key];
  }
  const k = Object.keys(env).find((name) => name.toUpperCase() === key);
  return k === undefined ? undefined : env[k];
}

/** Every name `program` goes by: as given, each symlink hop, the real file; each with its folder resolved. */
export async function namesOf(program: string): Promise<string[]> {
  const names = [path.resolve(program)];
  let current = path.resolve(program);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    let dir: string;
    try {
      dir = await fs.promises.realpath(path.dirname(current));
    } catch {
      break; // no such folder: nothing there to run
    }
    current = path.join(dir, path.basename(current));
    names.push(current);
    let target: string;
    try {
      target = await fs.promises.readlink(current);
    } catch {
      break; // not a symlink (or not there): the end of the chain
    }
    current = path.resolve(dir, target);
    names.push(current);
  }
  return names;
}
