// Puts the project's wheel into helper/ so that the .vsix carries its own helper: the
// extension installs it into a private virtual environment when no usable one is found.
// Its sha256 goes next to it (helper/<wheel>.sha256, `sha256sum` format): the extension
// installs the wheel only when it still has that checksum.
//   node scripts/bundle-wheel.mjs           builds the wheel from the repository (pip wheel)
//   AWS_LOGIN_BRIDGE_WHEEL=path node …       takes an already built one (scripts/build-dist)
// The Python that builds it: $PYTHON, else the repository's .venv, else python3 / python.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const client = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.resolve(client, "..");
const helperDir = path.join(client, "helper");
const WHEEL_RE = /^aws_login_bridge-[^-]+-py3-none-any\.whl$/;

function buildPython() {
  if (process.env.PYTHON) return process.env.PYTHON;
  const venv = process.platform === "win32"
    ? path.join(repo, ".venv", "Scripts", "python.exe")
    : path.join(repo, ".venv", "bin", "python");
  if (fs.existsSync(venv)) return venv;
  return process.platform === "win32" ? "python" : "python3";
}

function buildWheel() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "alb-wheel-"));
  execFileSync(buildPython(), ["-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", out, repo], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const found = fs.readdirSync(out).filter((f) => WHEEL_RE.test(f));
  if (found.length !== 1) {
    throw new Error(`expected one aws_login_bridge wheel in ${out}, found: ${found.join(", ") || "none"}`);
  }
  return path.join(out, found[0]);
}

const wheel = process.env.AWS_LOGIN_BRIDGE_WHEEL || buildWheel();
if (!WHEEL_RE.test(path.basename(wheel))) {
  throw new Error(`${wheel} is not an aws_login_bridge pure-Python wheel`);
}
fs.rmSync(helperDir, { recursive: true, force: true });
fs.mkdirSync(helperDir);
const name = path.basename(wheel);
const bundled = path.join(helperDir, name);
fs.copyFileSync(wheel, bundled);
const sha256 = createHash("sha256").update(fs.readFileSync(bundled)).digest("hex");
fs.writeFileSync(`${bundled}.sha256`, `${sha256}  ${name}\n`);
console.log(`bundle-wheel: helper/${name} (sha256 ${sha256})`);
