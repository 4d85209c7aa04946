/**
 * Before the 12-hour sign-in session ends, and when it has: one notification that offers
 * **Log in again**, per session and per moment (ending, ended), however often the status bar
 * is redrawn or the helper reports the same state. It follows what the status bar shows, so
 * the warning colour and the offer always agree. No `vscode` import.
 */
import { sessionKey } from "../../jupyter_ext/labextension/src/sessionTime";
import { Level, SessionView, formatTimeLeft, sessionEnd } from "./statusBar";
import { Ui } from "./ui";

export const LOG_IN_AGAIN = "Log in again";

export class SessionReminder {
  /** `ending|ended` + session + its end: what was already offered. */
  private readonly offered = new Set<string>();

  constructor(
    private readonly ui: Ui,
    /** Starts the login flow for the profile (AWS: Login with the profile chosen). */
    private readonly login: (profile: string) => Promise<unknown>,
  ) {}

  /** Called with every rendering of the status bar item. */
  check(view: SessionView | undefined, level: Level, now: Date): void {
    if (!view?.loginSession || level === "normal") {
      return;
    }
    const offer = this.offerFor(view, level, now);
    if (!offer || this.offered.has(offer.key)) {
      return;
    }
    this.offered.add(offer.key);
    const profile = view.profile;
    void this.ui.message("warning", offer.text, {}, LOG_IN_AGAIN).then(async (choice) => {
      if (choice === LOG_IN_AGAIN) {
        await this.login(profile);
      }
    });
  }

  private offerFor(view: SessionView, level: Level, now: Date): { key: string; text: string } | undefined {
    const p = `profile "${view.profile}"`;
    const id = sessionKey(view);
    if (level === "error") {
      return {
        key: `ended|${id}`,
        text: `The AWS session of ${p} is over (sessions last up to 12 hours): programs using it can no longer get credentials.`,
      };
    }
    // The warning is about the session's end; without it known, the credentials' own
    // 15-minute expiry says nothing about when to sign in again.
    const end = view.sessionExpiresAt ? sessionEnd(view) : undefined;
    if (!end) {
      return undefined;
    }
    const left = formatTimeLeft(Math.max(0, end.getTime() - now.getTime()));
    return {
      key: `ending|${id}`,
      text: `The AWS session of ${p} ends in ${left} (sessions last up to 12 hours). Log in again now to keep working without a break.`,
    };
  }
}
