/**
 * Command lines shown to the person (to copy into a terminal), built for the terminal they
 * have: a POSIX shell on Linux and macOS, PowerShell (VS Code's default) on Windows. The
 * extension itself never runs these through a shell; it spawns argument vectors.
 * No `vscode` import.
 */

export type Platform = NodeJS.Platform;

const POSIX_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const POWERSHELL_SAFE = /^[A-Za-z0-9_%+=:,./\\-]+$/;

/** One argument, quoted only when it needs it. */
export function quoteArg(arg: string, platform: Platform): string {
  if (platform === "win32") {
    // PowerShell: single quotes are literal ($, `, spaces); a quote inside is doubled.
    return POWERSHELL_SAFE.test(arg) ? arg : `'${arg.replace(/'/g, "''")}'`;
  }
  return POSIX_SAFE.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/**
 * A whole command line. In PowerShell a quoted program path is just a string, not a
 * command: it needs the call operator `&` in front to run.
 */
export function commandLine(argv: readonly string[], platform: Platform): string {
  const quoted = argv.map((a) => quoteArg(a, platform));
  if (platform === "win32" && quoted.length > 0 && quoted[0] !== argv[0]) {
    return `& ${quoted.join(" ")}`;
  }
  return quoted.join(" ");
}

/** `<python> -m pip install <what>`, for the person's terminal. */
export function pipInstallCommand(python: readonly string[], what: string, platform: Platform): string {
  return commandLine([...python, "-m", "pip", "install", what], platform);
}
