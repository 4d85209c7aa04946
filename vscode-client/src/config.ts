/**
 * Settings (`awsLogin.*`) and what follows from them: which Python runs the helper and
 * with which environment. No `vscode` import: `vscodeUi.ts` reads the real settings.
 */
import { PROFILE_NAME_PATTERN, PROFILE_NAME_RULE } from "./generated/protocol";
import { Launch, PythonLauncher, PythonTarget } from "./pythonLaunch";

export interface Settings {
  /** `awsLogin.pythonPath`; empty = found or installed by `helperLocator.ts`. */
  pythonPath: string;
  /** `awsLogin.defaultProfile`; empty = `default`. */
  defaultProfile: string;
  /** `awsLogin.defaultRegion`; preselected when a profile has no region. */
  defaultRegion: string;
  /** `awsLogin.endpointUrl`; Sign-In/STS endpoint override for local emulators. */
  endpointUrl: string;
}

export const DEFAULT_REGION = "us-east-1";

/** Reads settings through any getter shaped like `WorkspaceConfiguration.get`. */
export function readSettings(get: (key: string) => unknown): Settings {
  const str = (key: string): string => {
    const v = get(key);
    return typeof v === "string" ? v.trim() : "";
  };
  return {
    pythonPath: unquoted(str("pythonPath")),
    defaultProfile: str("defaultProfile"),
    defaultRegion: str("defaultRegion") || DEFAULT_REGION,
    endpointUrl: str("endpointUrl"),
  };
}

/**
 * A path without one pair of surrounding double quotes, as Explorer's "Copy as path" gives
 * it. A double quote cannot be part of a Windows file name, and no shell reads the setting
 * to remove them: spawn would look for a file whose name starts with `"`.
 */
function unquoted(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).trim() : s;
}

/** The engine's profile-name rule, as declared (generated/protocol.ts). */
export const PROFILE_NAME_RE = new RegExp(PROFILE_NAME_PATTERN);

export function validateProfileName(name: string): string | undefined {
  if (name.length === 0) {
    return "Enter a profile name.";
  }
  if (!PROFILE_NAME_RE.test(name)) {
    return `Use ${PROFILE_NAME_RULE}.`;
  }
  return undefined;
}

/** `<python> <switches> -m aws_login_bridge serve`, with the endpoint override in its environment. */
export function helperLaunch(python: PythonTarget, settings: Settings, launcher: PythonLauncher): Launch {
  const endpoint: NodeJS.ProcessEnv = settings.endpointUrl
    ? { AWS_ENDPOINT_URL_SIGNIN: settings.endpointUrl, AWS_ENDPOINT_URL_STS: settings.endpointUrl }
    : {};
  return launcher.launch(python, ["-m", "aws_login_bridge", "serve"], endpoint);
}
