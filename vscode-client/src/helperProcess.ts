/**
 * Before starting the helper: can this Python import `aws_login_bridge` at all? Telling
 * "no Python" from "package not installed" lets the extension show one clear message with
 * the exact install command instead of a language-client crash report. No `vscode` import.
 */
import { spawn } from "node:child_process";
import { installCommand } from "./config";

export type Preflight =
  | { ok: true; version: string }
  | { ok: false; reason: "noPython" | "notInstalled" | "broken"; python: string; detail: string };

const PROBE = "import aws_login_bridge, sys; sys.stdout.write(getattr(aws_login_bridge, '__version__', '?'))";

export function checkHelper(
  python: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<Preflight> {
  return new Promise((resolve) => {
    let out = "";
    let err = "";
    let settled = false;
    const done = (p: Preflight) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(p);
      }
    };
    let child;
    try {
      child = spawn(python, ["-c", PROBE], { env, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    } catch (e) {
      done({ ok: false, reason: "noPython", python, detail: String(e) });
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      done({ ok: false, reason: "broken", python, detail: `${python} did not answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    child.on("error", (e: NodeJS.ErrnoException) => {
      done({
        ok: false,
        reason: e.code === "ENOENT" || e.code === "EACCES" ? "noPython" : "broken",
        python,
        detail: e.message,
      });
    });
    child.on("close", (code) => {
      if (code === 0) {
        done({ ok: true, version: out.trim() });
      } else if (/No module named '?aws_login_bridge/.test(err)) {
        done({ ok: false, reason: "notInstalled", python, detail: lastLine(err) });
      } else {
        done({ ok: false, reason: "broken", python, detail: lastLine(err) || `exit code ${code}` });
      }
    });
  });
}

function lastLine(s: string): string {
  const lines = s.trim().split(/\r?\n/);
  return lines[lines.length - 1] ?? "";
}

/** The one message shown when the helper cannot start, and the command its button copies. */
export function startFailureMessage(p: Exclude<Preflight, { ok: true }>): { text: string; command: string } {
  const command = installCommand(p.python);
  switch (p.reason) {
    case "noPython":
      return {
        text:
          `AWS Login needs Python 3.10+ with the aws-login-bridge package, and '${p.python}' was not found. ` +
          `Install Python, then run: ${command} (or set awsLogin.pythonPath).`,
        command,
      };
    case "notInstalled":
      return {
        text: `AWS Login needs the aws-login-bridge package in ${p.python}. Install it with: ${command}`,
        command,
      };
    default:
      return {
        text:
          `AWS Login could not start its helper with ${p.python} (${p.detail}). ` +
          `Reinstall it with: ${command}`,
        command,
      };
  }
}
