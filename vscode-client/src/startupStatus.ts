/**
 * The status bar's first content when the helper starts in the background: the active
 * profile's session; or, when the person never chose a profile and that one has no session,
 * the first profile that has one (a login made in a terminal before the editor opened).
 * No `vscode` import.
 */
import { HelperConnection, listProfiles } from "./lsp_ext";
import { isLoggedIn } from "./statusBar";

export interface StartupStatusDeps {
  helper: () => Promise<HelperConnection | undefined>;
  /** The profile the person chose (stored, or `awsLogin.defaultProfile`), if any. */
  chosenProfile: () => string | undefined;
  /** Makes `profile` the active one. */
  choose: (profile: string) => PromiseLike<void>;
  /** Shows the active profile's status in the status bar. */
  refreshStatus: () => Promise<void>;
  /** Whether the status bar now shows a live session. */
  showsSession: () => boolean;
}

export async function showSessionAtStart(d: StartupStatusDeps): Promise<void> {
  await d.refreshStatus();
  if (d.showsSession() || d.chosenProfile()) {
    return;
  }
  const helper = await d.helper();
  if (!helper) {
    return;
  }
  let profiles;
  try {
    profiles = (await helper.sendRequest(listProfiles, {})).profiles ?? [];
  } catch {
    return; // the status bar already says what is known
  }
  const first = profiles.find((p) => isLoggedIn(p));
  if (first) {
    await d.choose(first.profile);
    await d.refreshStatus();
  }
}
