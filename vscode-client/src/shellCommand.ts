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

/** The virtual environment the advice below makes, in the person's home folder. */
const ADVISED_VENV = { posix: "~/.aws-login-bridge-venv", win32: "$HOME\\.aws-login-bridge-venv" };

/** The interpreter of that environment, as the person would write it in awsLogin.pythonPath. */
export function advisedVenvPython(platform: Platform): string {
  return platform === "win32" ? "%USERPROFILE%\\.aws-login-bridge-venv\\Scripts\\python.exe" : "~/.aws-login-bridge-venv/bin/python";
}

/**
 * `<python> -m pip install <what>`, for the person's terminal. Into an externally managed
 * Python (PEP 668: Homebrew's, Debian's) pip refuses to install, so there the command makes a
 * virtual environment with it and installs into that. On macOS a Python is taken to be
 * managed unless a probe said otherwise: the one `python3` a Mac finds is usually Homebrew's.
 */
export function pipInstallCommand(
  python: readonly string[],
  what: string,
  platform: Platform,
  externallyManaged = platform === "darwin",
): string {
  if (!externallyManaged) {
    return commandLine([...python, "-m", "pip", "install", what], platform);
  }
  const install = `-m pip install ${quoteArg(what, platform)}`;
  if (platform === "win32") {
    // PowerShell 5 has no `&&`; pip fails on its own when the environment was not made.
    // Double quotes, so that PowerShell expands $HOME.
    const venv = ADVISED_VENV.win32;
    return `${commandLine([...python, "-m", "venv"], platform)} "${venv}"; & "${venv}\\Scripts\\python.exe" ${install}`;
  }
  const venv = ADVISED_VENV.posix; // unquoted, so that the shell expands ~
  return `${commandLine([...python, "-m", "venv"], platform)} ${venv} && ${venv}/bin/python ${install}`;
}
