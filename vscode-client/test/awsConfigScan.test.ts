/**
 * The AWS config file is written by whoever can write it and is read in the extension host,
 * which every extension shares: a hostile file must not hold that host. Lines built to make a
 * backtracking pattern explode and a file with a hundred thousand profiles are parsed in one
 * pass; a named pipe, a device, a folder or an oversized file is not read at all, and the
 * look ends at once with one sentence for the status bar.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { CONFIG_READ_CAP, loginProfiles, scanConfigFile } from "../src/awsConfigScan";
import { tempDir } from "./harness";
import { posixOnly } from "./platformMarks";

const LOGIN = "login_session = arn:aws:sts::123456789012:assumed-role/Dev/me";

/** The bound: a scan of these files must not hold the extension host longer. */
const BOUND_MS = 200;

/**
 * The profiles in `text` and the fastest of up to three parses. The machine running the tests
 * is shared, so one slow parse may be another process's doing; a scan that backtracks or
 * compares each profile with all before it takes seconds each time, and a parse over ten
 * times the bound is not tried again.
 */
function timed(text: string): { profiles: string[]; ms: number } {
  let best = { profiles: [] as string[], ms: Infinity };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const start = performance.now();
    const profiles = loginProfiles(text);
    const ms = performance.now() - start;
    if (ms < best.ms) {
      best = { profiles, ms };
    }
    if (ms < BOUND_MS || ms > 10 * BOUND_MS) {
      break;
    }
  }
  return best;
}

describe("a hostile AWS config file, parsed", () => {
  const hostile: Array<[string, string, string[]]> = [
    ["a line of [ and 3,000 spaces", "[" + " ".repeat(3000), []],
    ["a line of [ and spaces, 4,000 characters", "[" + " ".repeat(3999), []],
    // Own inputs: other white space, an unclosed header before a real profile, and many
    // unclosed headers whose only `]` is at the very end of the file (a search for `]` that
    // does not stop at the line's end reads the rest of the file for each of them).
    ["indented [ with tabs and no-break spaces", " ".repeat(2000) + "[" + "\t\u00a0".repeat(2000) + "x", []],
    ["an unclosed header before a real profile", "[" + " ".repeat(2500) + `\n[profile after]\n${LOGIN}\n`, ["after"]],
    ["20,000 unclosed headers, one ] at the end", `[default]\n${LOGIN}\n` + ("[" + " ".repeat(100) + "\n").repeat(20_000) + "]", ["default"]],
  ];
  for (const [name, text, expected] of hostile) {
    it(`${name}: under ${BOUND_MS} ms`, () => {
      const { profiles, ms } = timed(text);
      assert.deepEqual(profiles, expected);
      assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
    });
  }

  it(`120,000 login profiles: under ${BOUND_MS} ms, each once, in file order`, () => {
    const sections: string[] = [];
    for (let i = 0; i < 120_000; i += 1) {
      sections.push(`[profile p${i}]\nlogin_session = a`);
    }
    // Seen again: a profile is listed once, where it first appeared.
    sections.push(`[profile p7]\nlogin_session = b`);
    const { profiles, ms } = timed(sections.join("\n"));
    assert.equal(profiles.length, 120_000);
    assert.deepEqual(profiles.slice(0, 3), ["p0", "p1", "p2"]);
    assert.equal(profiles[119_999], "p119999");
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });

  it("keeps the order of first appearance when a section comes back", () => {
    const text = `[profile b]\n${LOGIN}\n[profile a]\n${LOGIN}\n[profile b]\nlogin_session: again\n`;
    assert.deepEqual(loginProfiles(text), ["b", "a"]);
  });
});

describe("the AWS config file, read only when it is a regular file of at most 4 MiB", () => {
  const dir = tempDir("scan");
  const fifo = path.join(dir, "fifo-config");
  after(() => {
    // A reader still waiting for a writer (the old way of reading) is let go, so the test
    // process can end even when that reader is what is being shown to fail.
    try {
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // No reader is waiting: nothing to let go.
    }
  });

  it("reads a regular file, also through a symbolic link", posixOnly("a symbolic link to a file needs a privilege on Windows"), async () => {
    const file = path.join(dir, "config");
    fs.writeFileSync(file, `\uFEFF[profile linked]\r\n${LOGIN}\r\n`);
    const link = path.join(dir, "link-config");
    fs.symlinkSync(file, link);
    assert.deepEqual(await scanConfigFile(file), { profiles: ["linked"] });
    assert.deepEqual(await scanConfigFile(link), { profiles: ["linked"] });
    assert.deepEqual(await scanConfigFile(path.join(dir, "missing")), { profiles: [] });
  });

  it("a named pipe: ends at once, nothing read, and says so", { timeout: 10_000, ...posixOnly("mkfifo") }, async () => {
    execFileSync("mkfifo", [fifo]);
    const scan = await scanConfigFile(fifo);
    assert.deepEqual(scan.profiles, []);
    assert.equal(
      scan.problem,
      `${fifo} is a named pipe, not a regular file, so AWS Login does not read it: replace it with a regular file, or set AWS_CONFIG_FILE to one.`,
    );
  });

  it("a device or a folder: nothing read, and says which", { timeout: 10_000, ...posixOnly("/dev/zero") }, async () => {
    const device = path.join(dir, "zero-config");
    // An endless file: read to its end, it would fill the extension host's memory.
    fs.symlinkSync("/dev/zero", device);
    const fromDevice = await scanConfigFile(device);
    assert.deepEqual(fromDevice.profiles, []);
    assert.match(fromDevice.problem ?? "", /zero-config is a device, not a regular file, so AWS Login does not read it/);
    const folder = path.join(dir, "folder-config");
    fs.mkdirSync(folder);
    const fromFolder = await scanConfigFile(folder);
    assert.deepEqual(fromFolder.profiles, []);
    assert.match(fromFolder.problem ?? "", /folder-config is a folder, not a regular file/);
  });

  it("a file over 4 MiB: not parsed, and says so; at 4 MiB it is read", async () => {
    const file = path.join(dir, "big-config");
    const head = `[profile big]\n${LOGIN}\n#`;
    fs.writeFileSync(file, head + "x".repeat(CONFIG_READ_CAP + 1 - Buffer.byteLength(head)));
    assert.equal(fs.statSync(file).size, CONFIG_READ_CAP + 1);
    assert.deepEqual(await scanConfigFile(file), {
      profiles: [],
      problem: `${file} is larger than 4 MiB, so AWS Login does not read it: remove the profiles you no longer use, or set AWS_CONFIG_FILE to a smaller file.`,
    });
    fs.truncateSync(file, CONFIG_READ_CAP);
    assert.deepEqual(await scanConfigFile(file), { profiles: ["big"] });
  });
});
