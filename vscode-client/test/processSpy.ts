/** Counts every process Node is asked to start (the real module object every `require` gets). */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require("node:child_process") as Record<string, unknown>;
const STARTERS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];

export interface ProcessSpy {
  /** `<function> <program>` for each start, in order. */
  started: string[];
  restore(): void;
}

export function spyOnProcesses(): ProcessSpy {
  const started: string[] = [];
  const saved: Record<string, unknown> = {};
  for (const name of STARTERS) {
    saved[name] = childProcess[name];
    const real = childProcess[name] as (...a: unknown[]) => unknown;
    childProcess[name] = (...args: unknown[]) => {
      started.push(`${name} ${String(args[0])}`);
      return real(...args);
    };
  }
  return {
    started,
    restore: () => {
      for (const name of STARTERS) {
        childProcess[name] = saved[name];
      }
    },
  };
}
