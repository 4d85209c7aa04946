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

/** A real config is a few KB; a generated one for a large organisation some hundred KB. */
export const CONFIG_READ_CAP = 1024 * 1024;

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

/** JavaScript's `\s` and `trim()` share one set of white space; this is that set, for one character. */
function isSpace(ch: string): boolean {
  return ch !== "" && ch.trim() === "";
}

function skipSpaces(line: string, from: number): number {
  let i = from;
  while (i < line.length && isSpace(line[i])) {
    i += 1;
  }
  return i;
}

/**
 * The name of a `[...]` header (what lies between `[` and the first `]`, trimmed); undefined
 * when the line is not a header. Leading white space is allowed, anything after `]` ignored.
 */
function sectionName(line: string): string | undefined {
  const open = skipSpaces(line, 0);
  if (line[open] !== "[") {
    return undefined;
  }
  const close = line.indexOf("]", open + 1);
  return close < 0 ? undefined : line.slice(open + 1, close).trim();
}

/** The profile a section defines (`[default]`, `[profile NAME]`); undefined for any other section. */
function profileOf(section: string): string | undefined {
  if (section === "default") {
    return "default";
  }
  if (!section.startsWith("profile") || !isSpace(section.charAt(7))) {
    return undefined;
  }
  // `section` is trimmed, so what follows the spaces is the whole name; a line separator
  // (U+2028/2029) inside it is no name.
  const name = section.slice(skipSpaces(section, 7));
  return name === "" || name.includes("\u2028") || name.includes("\u2029") ? undefined : name;
}

const KEY = "login_session";

/**
 * `login_session = VALUE` (or `:`) with a non-empty value, the key in any case as botocore's
 * INI parser reads keys. Only at the start of the line: an indented line continues the
 * previous value and is never a key.
 */
function setsLoginSession(line: string): boolean {
  if (line.length <= KEY.length) {
    return false;
  }
  for (let i = 0; i < KEY.length; i += 1) {
    // ASCII case folding only: no other character reads as one of these letters.
    const c = line.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== KEY.charCodeAt(i)) {
      return false;
    }
  }
  const delimiter = skipSpaces(line, KEY.length);
  if (line[delimiter] !== "=" && line[delimiter] !== ":") {
    return false;
  }
  return skipSpaces(line, delimiter + 1) < line.length;
}

/** Profiles (`[default]`, `[profile NAME]`) whose section sets `login_session`, in file order. */
export function loginProfiles(text: string): string[] {
  const found = new Set<string>();
  let profile: string | undefined;
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  for (const line of body.split(/\r\n|\n|\r/)) {
    const section = sectionName(line);
    if (section !== undefined) {
      profile = profileOf(section);
    } else if (profile !== undefined && setsLoginSession(line)) {
      found.add(profile);
    }
  }
  return [...found];
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
