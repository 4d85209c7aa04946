/**
 * Does anyone here use console sign-in? A look at the AWS config file for a profile with a
 * `login_session`, done in the extension host without starting Python, so that a window on a
 * machine without AWS configuration starts nothing. Only that question is answered here:
 * everything else about profiles is the helper's (botocore's) business. No `vscode` import.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

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

const SECTION = /^\s*\[\s*([^\]]*?)\s*\]/;
// Key names are case-insensitive for botocore's INI parser; an indented line continues the
// previous value and is never a key.
const LOGIN_SESSION = /^login_session\s*[=:]\s*\S/i;

/** Profiles (`[default]`, `[profile NAME]`) whose section sets `login_session`. */
export function loginProfiles(text: string): string[] {
  const found: string[] = [];
  let profile: string | undefined;
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n|\r/)) {
    const section = SECTION.exec(line);
    if (section) {
      const name = section[1];
      profile = name === "default" ? "default" : /^profile\s+(\S.*)$/.exec(name)?.[1]?.trim();
      continue;
    }
    if (profile !== undefined && LOGIN_SESSION.test(line) && !found.includes(profile)) {
      found.push(profile);
    }
  }
  return found;
}

/** The login profiles in the config file; none when it is missing or unreadable. */
export async function readLoginProfiles(configPath: string): Promise<string[]> {
  try {
    return loginProfiles(await fs.promises.readFile(configPath, "utf8"));
  } catch {
    return [];
  }
}
