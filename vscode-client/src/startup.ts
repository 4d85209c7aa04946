/**
 * What a window does when the editor starts: with a console-sign-in profile in the AWS config
 * file, start the helper in the background so the status bar shows the session from the
 * start; without one, start nothing and watch the file (a `stat` a second, no process), so a
 * login made later in a terminal or a notebook still wakes the helper. No `vscode` import.
 */
import * as fs from "node:fs";
import { scanConfigFile } from "./awsConfigScan";

export interface StartupDeps {
  configPath: string;
  /** Starts the helper and shows the active profile's session. */
  startHelper: () => Promise<void>;
  /** No login profile yet: the status bar says so without asking anyone. */
  showNoLogin: () => void;
  /**
   * The file is there but was not read (not a regular file, or too large): the status bar
   * says so, in the one sentence given. Without it, showNoLogin is told instead.
   */
  showConfigProblem?: (message: string) => void;
  watchIntervalMs?: number;
  /** Told after each look at the file, with the login profiles found (for the log). */
  onLook?: (profiles: string[]) => void;
}

export interface Startup {
  /** Resolves once the first look is done (and the helper asked to start, if needed). */
  ready: Promise<"started" | "watching">;
  dispose(): void;
}

/** What identifies a version of the file; "" when it does not exist. */
async function stamp(file: string): Promise<string> {
  try {
    const st = await fs.promises.stat(file);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return "";
  }
}

export function wakeUp(deps: StartupDeps): Startup {
  let timer: ReturnType<typeof setInterval> | undefined;
  let started = false;
  let lastStamp = "";
  let looking = false;
  const stopWatching = () => {
    if (timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  /** What the status bar was last told before the helper started: a problem sentence, or "" for no login. */
  let shown: string | undefined;
  const show = (problem: string) => {
    if (problem === shown) {
      return;
    }
    shown = problem;
    if (problem && deps.showConfigProblem) {
      deps.showConfigProblem(problem);
    } else {
      deps.showNoLogin();
    }
  };
  /**
   * Reads the file (its stamp taken first, so a change during the read is seen next time).
   * Without a login profile, the status bar is told why, whenever that changes.
   */
  const look = async (): Promise<boolean> => {
    lastStamp = await stamp(deps.configPath);
    const scan = await scanConfigFile(deps.configPath);
    deps.onLook?.(scan.profiles);
    if (scan.profiles.length === 0) {
      show(scan.problem ?? "");
    }
    return scan.profiles.length > 0;
  };
  const start = async () => {
    if (!started) {
      started = true;
      stopWatching();
      await deps.startHelper();
    }
  };
  const poll = async () => {
    if (looking || started || (await stamp(deps.configPath)) === lastStamp) {
      return;
    }
    looking = true;
    try {
      if (await look()) {
        await start();
      }
    } finally {
      looking = false;
    }
  };
  const ready = (async (): Promise<"started" | "watching"> => {
    if (await look()) {
      void start();
      return "started";
    }
    if (!started) {
      timer = setInterval(() => void poll(), deps.watchIntervalMs ?? 1000);
      timer.unref?.();
    }
    return "watching";
  })();
  return {
    ready,
    dispose: () => {
      started = true;
      stopWatching();
    },
  };
}
