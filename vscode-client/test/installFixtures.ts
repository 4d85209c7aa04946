/** What the install tests install and install with: a small real wheel, a Python without the helper. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BundledWheel, wheelRecordPath } from "../src/helperLocator";
import { venvPython } from "../src/pythonFinder";
import { tempDir, testPython } from "./harness";

/**
 * A real, dependency-free wheel named like ours, so pip runs offline and fast, with its
 * checksum recorded next to it as `scripts/bundle-wheel.mjs` records the bundled one.
 */
export function makeWheel(dir: string, version: string): BundledWheel {
  const file = path.join(dir, `aws_login_bridge-${version}-py3-none-any.whl`);
  const script = [
    "import sys, zipfile",
    "path, v = sys.argv[1], sys.argv[2]",
    "info = f'aws_login_bridge-{v}.dist-info'",
    "files = {",
    "  'aws_login_bridge/__init__.py': f'__version__ = {v!r}\\n',",
    "  f'{info}/METADATA': f'Metadata-Version: 2.1\\nName: aws-login-bridge\\nVersion: {v}\\n',",
    "  f'{info}/WHEEL': 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',",
    "}",
    "with zipfile.ZipFile(path, 'w') as z:",
    "    for name, text in files.items(): z.writestr(name, text)",
    "    z.writestr(f'{info}/RECORD', ''.join(f'{n},,\\n' for n in [*files, f'{info}/RECORD']))",
  ].join("\n");
  execFileSync(testPython(), ["-c", script, file, version]);
  const sha256 = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  fs.writeFileSync(wheelRecordPath(file), `${sha256}  ${path.basename(file)}\n`);
  return { path: file, version, sha256 };
}

/**
 * A real Python that does not import aws_login_bridge: a virtual environment of the test
 * Python's installation, without pip (a real interpreter on every platform, where a shell
 * script would not start on Windows).
 */
export function barePython(): string {
  const venv = path.join(tempDir("bare"), "venv");
  execFileSync(testPython(), ["-m", "venv", "--without-pip", venv]);
  return venvPython(venv, process.platform);
}
