/** Counts every process Node is asked to start (the real module object every `require` gets). */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require("node:child_process") as Record<string, unknown>;
const STARTERS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];

/** One start as Node was asked for it. */
export interface StartedProcess {
  /** The child_process function (`spawn`, `execFile`, …). */
  fn: string;
  program: string;
  args: string[];
  /** The working folder asked for (undefined: the extension host's own). */
  cwd: string | undefined;
  /** The environment asked for (undefined: the extension host's own). */
  env: NodeJS.ProcessEnv | undefined;
}

export interface ProcessSpy {
  /** `<function> <program>` for each start, in order. */
  started: string[];
  /** Each start with its arguments and options, in order. */
  calls: StartedProcess[];
  restore(): void;
}

export function spyOnProcesses(): ProcessSpy {
  const started: string[] = [];
  const calls: StartedProcess[] = [];
  const saved: Record<string, unknown> = {};
  for (const name of STARTERS) {
    saved[name] = childProcess[name];
    const real = childProcess[name] as (...a: unknown[]) => unknown;
    childProcess[name] = (...args: unknown[]) => {
      started.push(`${name} ${String(args[0])}`);
      const list = Array.isArray(args[1]) ? (args[1] as unknown[]).map(String) : [];
      const options = (Array.isArray(args[1]) ? args[2] : args[1]) as { cwd?: unknown; env?: NodeJS.ProcessEnv } | undefined;
      const cwd = options && typeof options === "object" && options.cwd !== undefined ? String(options.cwd) : undefined;
      calls.push({ fn: name, program: String(args[0]), args: list, cwd, env: options && typeof options === "object" ? options.env : undefined });
      return real(...args);
    };
  }
  return {
    started,
    calls,
    restore: () => {
      for (const name of STARTERS) {
        childProcess[name] = saved[name];
      }
    },
  };
}
