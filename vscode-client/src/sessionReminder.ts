/**
 * Before the 12-hour sign-in session ends, and when it has: one notification that offers
 * **Log in again**, per session and per moment (ending, ended). When one is due is decided
 * with JupyterLab's status bar (EndReminders); this shows it the VS Code way. No `vscode`
 * import.
 */
import { EndReminders } from "@aws-login-bridge/shared";
import { Level, SessionView } from "./statusBar";
import { Ui } from "./ui";

export const LOG_IN_AGAIN = "Log in again";

export class SessionReminder {
  private readonly reminders = new EndReminders();

  constructor(
    private readonly ui: Ui,
    /** Starts the login flow for the profile (AWS: Login with the profile chosen). */
    private readonly login: (profile: string) => Promise<unknown>,
  ) {}

  /** Called with every rendering of the status bar item. */
  check(view: SessionView | undefined, level: Level, now: Date): void {
    const due = this.reminders.due(view, level, now);
    if (!due) {
      return;
    }
    void this.ui.message("warning", due.text, {}, LOG_IN_AGAIN).then(async (choice) => {
      if (choice === LOG_IN_AGAIN) {
        await this.login(due.profile);
      }
    });
  }
}
