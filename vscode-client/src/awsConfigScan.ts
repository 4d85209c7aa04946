/**
 * Does anyone here use console sign-in? A look at the AWS config file for a profile with a
 * `login_session`, done in the extension host without starting Python, so that a window on a
 * machine without AWS configuration starts nothing. Only that question is answered here:
 * everything else about profiles is the helper's (botocore's) business. No `vscode` import.
 *
 * The extension host is shared by every extension and this runs at activation and after each
 * change of the file, whose content anyone able to write it chooses: one pass over each line
 * with no backtracking, a `Set` for the profiles seen, only a regular file, and at most
 * CONFIG_READ_CAP bytes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A real config is a few KB, a generated one for a large organisation some hundred KB. The
 * engine reads at most as much (store/configfile.py's CONFIG_FILE_LIMIT), so the extension
 * and the helper agree on which files are read.
 */
export const CONFIG_READ_CAP = 4 * 1024 * 1024;

/** `$AWS_CONFIG_FILE` (with `~` expanded, as botocore does), else `~/.aws/config`. */
export function awsConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const configured = env.AWS_CONFIG_FILE;
  if (configured) {
    return configured === "~" || configured.startsWith("~/") || configured.startsWith("~\\")
      ? path.join(home, configured.slice(1))
      : configured;
  }
  return path.join(home, ".aws", "config");
}

/** Whether a UTF-16 code unit is white space for JavaScript's `\s` and `trim()` (one set). */
function isSpaceCode(c: number): boolean {
  if (c < 0x80) {
    return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  }
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** The first position in [from, end) that is not white space; `end` if there is none. */
function skipSpaces(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && isSpaceCode(text.charCodeAt(i))) {
    i += 1;
  }
  return i;
}

/**
 * Where a character next occurs at or after a position, for positions that only grow: the
 * search resumes where the last one ended, so all of them together read the text once.
 */
class NextOf {
  private at = -2;

  constructor(
    private readonly text: string,
    private readonly ch: string,
  ) {}

  from(position: number): number {
    if (this.at !== -1 && this.at < position) {
      this.at = this.text.indexOf(this.ch, position);
    }
    return this.at === -1 ? this.text.length : this.at;
  }
}

/**
 * Where the name of the profile a section header defines starts, given the header's name as
 * [start, end) with no white space at either end (the profile's name ends at `end`): for
 * `default`, or `profile` then white space then the name. -1 for any other section
 * (`sso-session`, `services`, `Default`, ...).
 */
function profileStart(text: string, start: number, end: number): number {
  if (end - start === 7 && text.startsWith("default", start)) {
    return start;
  }
  if (end - start < 9 || !text.startsWith("profile", start) || !isSpaceCode(text.charCodeAt(start + 7))) {
    return -1;
  }
  const name = skipSpaces(text, start + 7, end);
  for (let i = name; i < end; i += 1) {
    const c = text.charCodeAt(i);
    // A line separator inside the name makes it no name (as `.` does not match one).
    if (c === 0x2028 || c === 0x2029) {
      return -1;
    }
  }
  return name;
}

const KEY = "login_session";

/**
 * Whether the line [start, end) is `login_session = VALUE` (or `:`) with a non-empty value,
 * the key in any case as botocore's INI parser reads keys. Only at the start of the line: an
 * indented line continues the previous value and is never a key.
 */
function setsLoginSession(text: string, start: number, end: number): boolean {
  if (end - start <= KEY.length) {
    return false;
  }
  for (let i = 0; i < KEY.length; i += 1) {
    // ASCII case folding only: no other character reads as one of these letters.
    const c = text.charCodeAt(start + i);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== KEY.charCodeAt(i)) {
      return false;
    }
  }
  const delimiter = skipSpaces(text, start + KEY.length, end);
  const c = text.charCodeAt(delimiter);
  if (delimiter === end || (c !== 0x3d /* = */ && c !== 0x3a /* : */)) {
    return false;
  }
  return skipSpaces(text, delimiter + 1, end) < end;
}

/**
 * Profiles (`[default]`, `[profile NAME]`) whose section sets `login_session`, in file order.
 * A header is `[`, after optional white space, up to the first `]` on its line; its name is
 * what lies between, trimmed; the rest of the line is ignored. Lines end at CR, LF or CRLF.
 */
export function loginProfiles(text: string): string[] {
  const found = new Set<string>();
  // The current section's profile name, as [profileStart, profileEnd); -1: not a profile.
  let profile = -1;
  let profileEnd = -1;
  const lf = new NextOf(text, "\n");
  const cr = new NextOf(text, "\r");
  const bracket = new NextOf(text, "]");
  let start = text.startsWith("\uFEFF") ? 1 : 0;
  for (;;) {
    const end = Math.min(lf.from(start), cr.from(start));
    const first = skipSpaces(text, start, end);
    const close = first < end && text.charCodeAt(first) === 0x5b /* [ */ ? bracket.from(first + 1) : end;
    if (close < end) {
      const nameStart = skipSpaces(text, first + 1, close);
      let nameEnd = close;
      while (nameEnd > nameStart && isSpaceCode(text.charCodeAt(nameEnd - 1))) {
        nameEnd -= 1;
      }
      profile = profileStart(text, nameStart, nameEnd);
      profileEnd = nameEnd;
    } else if (profile !== -1 && setsLoginSession(text, start, end)) {
      found.add(text.slice(profile, profileEnd));
    }
    if (end === text.length) {
      return [...found];
    }
    start = end + (text.charCodeAt(end) === 0x0d && text.charCodeAt(end + 1) === 0x0a ? 2 : 1);
  }
}

/** What one look at the config file found. */
export interface ConfigScan {
  profiles: string[];
  /** Set when the file is there but was not read: one sentence for the status bar. */
  problem?: string;
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) {
    return "a named pipe";
  }
  if (st.isDirectory()) {
    return "a folder";
  }
  if (st.isSocket()) {
    return "a socket";
  }
  return st.isCharacterDevice() || st.isBlockDevice() ? "a device" : "not a regular file";
}

function notRegular(configPath: string, st: fs.Stats): string {
  return `${configPath} is ${kindOf(st)}, not a regular file, so AWS Login does not read it: replace it with a regular file, or set AWS_CONFIG_FILE to one.`;
}

function tooLarge(configPath: string, cap: number): string {
  return `${configPath} is larger than ${cap / (1024 * 1024)} MiB, so AWS Login does not read it: remove the profiles you no longer use, or set AWS_CONFIG_FILE to a smaller file.`;
}

/**
 * The login profiles in the config file. None when it is missing or unreadable; none, and a
 * `problem`, when it is not a regular file or is larger than `cap` bytes (then it is not parsed).
 */
export async function scanConfigFile(configPath: string, cap: number = CONFIG_READ_CAP): Promise<ConfigScan> {
  let handle: fs.promises.FileHandle;
  try {
    // Without O_NONBLOCK, opening a named pipe waits for a writer: the look would never end
    // and would hold one of the few threads all extensions share for file work. Symbolic links
    // are followed: only what they lead to has to be a regular file.
    handle = await fs.promises.open(configPath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return { profiles: [] };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      return { profiles: [], problem: notRegular(configPath, st) };
    }
    if (st.size > cap) {
      return { profiles: [], problem: tooLarge(configPath, cap) };
    }
    // Read to the end, not to the size just seen (the file may be growing), but never past
    // one byte more than the cap, which is enough to tell a file that is too large.
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= cap) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, cap + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) {
        break;
      }
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
    }
    if (length > cap) {
      return { profiles: [], problem: tooLarge(configPath, cap) };
    }
    return { profiles: loginProfiles(Buffer.concat(chunks, length).toString("utf8")) };
  } catch {
    return { profiles: [] };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
