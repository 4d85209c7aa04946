/**
 * Which Python runs the helper. In order: the `awsLogin.pythonPath` setting (alone, when
 * set), the Python extension's interpreter, the Python on PATH (`python3`; `py -3` on
 * Windows), each only if it imports the aws-login-bridge version this extension carries;
 * then the extension's private environment. What to do when none will: install the bundled
 * wheel into the private environment, or upgrade it there after an extension update.
 * No `vscode` import.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import {
  Probe,
  PythonInfo,
  PythonSource,
  helperCandidates,
  isBatchFile,
  isSupported,
  firstMatching,
  venvPython,
  versionText,
} from "./pythonFinder";
import { Platform, pipInstallCommand } from "./shellCommand";

export const PACKAGE_NAME = "aws-login-bridge";
const WHEEL_RE = /^aws_login_bridge-([^-]+)-py3-none-any\.whl$/;

/** The wheel packed into the .vsix (`helper/` in the extension's folder). */
export interface BundledWheel {
  path: string;
  version: string;
  /** Its sha256 as recorded when the .vsix was built (`<wheel>.sha256`); undefined when there is no record. */
  sha256?: string;
}

/** The checksum record `scripts/bundle-wheel.mjs` writes next to the wheel (`sha256sum` format). */
export function wheelRecordPath(wheel: string): string {
  return `${wheel}.sha256`;
}

function readRecord(wheel: string): string | undefined {
  try {
    const m = /^([0-9a-f]{64})\b/i.exec(fs.readFileSync(wheelRecordPath(wheel), "utf8"));
    return m ? m[1].toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** The file's sha256, read as a stream (the wheel is a few hundred KB, but need not be). */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
}

/** Why the wheel must not be installed, or undefined when it is the one the .vsix was built with. */
export async function wheelProblem(wheel: BundledWheel): Promise<string | undefined> {
  const name = path.basename(wheel.path);
  if (!wheel.sha256) {
    return `AWS Login will not install its bundled helper ${name}: the checksum recorded when this extension was built is missing, so reinstall the extension.`;
  }
  let actual: string;
  try {
    actual = await sha256Of(wheel.path);
  } catch (e) {
    return `AWS Login cannot read its bundled helper ${name} (${e instanceof Error ? e.message : String(e)}), so reinstall the extension.`;
  }
  return actual === wheel.sha256
    ? undefined
    : `AWS Login will not install its bundled helper ${name}: it differs from the one this extension was built with, so reinstall the extension.`;
}

export function bundledWheel(extensionPath: string): BundledWheel | undefined {
  const dir = path.join(extensionPath, "helper");
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    const m = WHEEL_RE.exec(name);
    if (m) {
      const wheel = path.join(dir, name);
      return { path: wheel, version: m[1], sha256: readRecord(wheel) };
    }
  }
  return undefined;
}

/** The private environment's folder inside the extension's global storage. */
export function privateVenvDir(globalStorage: string): string {
  return path.join(globalStorage, "helper-venv");
}

export type Located =
  | { kind: "ready"; python: string; source: PythonSource; info: PythonInfo }
  /**
   * The setting names a Python without the helper; the person decides what to do. Into an
   * externally managed one (PEP 668) the command installs through a virtual environment.
   */
  | { kind: "settingUnusable"; python: string; detail: string; installCommand: string; externallyManaged: boolean }
  /** The setting names something no install makes usable (a batch file, an old Python): `message` says what to do. */
  | { kind: "settingRefused"; python: string; message: string }
  /** The setting names a Python inside a folder of this untrusted workspace: not run. */
  | { kind: "settingUntrusted"; python: string }
  /** The private environment exists with another version (the extension was updated). */
  | { kind: "upgrade"; from: string | null }
  /** Nothing usable: offer to install the bundled wheel. */
  | { kind: "install" }
  /** Nothing usable and no wheel to install (a development build): the index install. */
  | { kind: "missing"; installCommand: string };

export interface LocateOptions {
  platform: Platform;
  /** `awsLogin.pythonPath` (trimmed; empty when unset). */
  setting: string;
  /** The Python extension's interpreter; asked only when the setting is empty. */
  pythonExtension: () => Promise<string | undefined>;
  venvDir: string;
  bundled: BundledWheel | undefined;
  probe: Probe;
}

export async function locateHelper(o: LocateOptions): Promise<Located> {
  const probe = o.probe;
  const want = o.bundled?.version;
  if (o.setting) {
    return locateSetting(o);
  }
  const matches = (info: PythonInfo) =>
    isSupported(info) && (want === undefined ? info.helperVersion !== null : info.helperVersion === want);
  const candidates = helperCandidates(o.platform, "", await o.pythonExtension());
  const { found } = await firstMatching(candidates, matches, probe);
  if (found) {
    return { kind: "ready", python: found.info.executable, source: found.candidate.source, info: found.info };
  }
  const own = await probe({ argv: [venvPython(o.venvDir, o.platform)], source: "private" });
  if (own.ok && matches(own.info)) {
    return { kind: "ready", python: own.info.executable, source: "private", info: own.info };
  }
  if (!o.bundled) {
    const onPath = candidates[candidates.length - 1].argv;
    return { kind: "missing", installCommand: pipInstallCommand(onPath, PACKAGE_NAME, o.platform) };
  }
  return own.ok ? { kind: "upgrade", from: own.info.helperVersion } : { kind: "install" };
}

/** What `awsLogin.pythonPath` gives: the helper, or what to do instead. */
async function locateSetting(o: LocateOptions): Promise<Located> {
  const python = o.setting;
  const refused = (message: string): Located => ({ kind: "settingRefused", python, message });
  if (isBatchFile(python, o.platform)) {
    // Node refuses to spawn one without a shell (EINVAL), and a shell is what we never use.
    return refused(
      `AWS Login cannot start ${python} (awsLogin.pythonPath) because it is a batch file, which VS Code does not run without a shell: ` +
        "set awsLogin.pythonPath to the python.exe it starts (`py -c \"import sys; print(sys.executable)\"` prints it), or clear it.",
    );
  }
  const r = await o.probe({ argv: [python], source: "setting" });
  if (!r.ok && r.reason === "untrusted") {
    return { kind: "settingUntrusted", python };
  }
  if (!r.ok && r.reason === "developerTools") {
    return refused(
      `AWS Login does not start ${python} (awsLogin.pythonPath): it is macOS's stand-in for the command line developer tools, which are not installed, ` +
        "and starting it opens their installer; install them (`xcode-select --install`) or set awsLogin.pythonPath to another Python.",
    );
  }
  // Before the package: the helper does not run there, and pip would not install it.
  if (r.ok && !isSupported(r.info)) {
    return refused(
      `AWS Login cannot run its helper with ${python} (awsLogin.pythonPath) because it is Python ${versionText(r.info)}: ` +
        "set awsLogin.pythonPath to a Python 3.10 or newer, or clear it to let AWS Login install its own.",
    );
  }
  if (r.ok && r.info.helperVersion !== null) {
    // The setting wins even at another version: the person chose that interpreter.
    return { kind: "ready", python: r.info.executable, source: "setting", info: r.info };
  }
  const externallyManaged = r.ok && r.info.externallyManaged !== undefined ? r.info.externallyManaged : o.platform === "darwin";
  return {
    kind: "settingUnusable",
    python,
    detail: r.ok ? `it has no ${PACKAGE_NAME} package` : r.reason === "notFound" ? "it was not found" : r.detail,
    installCommand: pipInstallCommand([python], o.bundled?.path ?? PACKAGE_NAME, o.platform, externallyManaged),
    externallyManaged,
  };
}
