/**
 * What every command flow shares: its dependencies, the active profile, the running helper,
 * and the requests whose failure is handled the same way everywhere.
 */
import { Settings } from "../config";
import { HelperConnection, StatusResult, cancelLogin, listProfiles, status, toHelperError } from "../lsp_ext";
import { StatusController } from "../statusBar";
import { Ui } from "../ui";
import type { Flows } from "./flows";
import { showError } from "./messages";

/** Where the active profile is remembered (the extension uses globalState). */
export interface ActiveProfileStore {
  get(): string | undefined;
  set(profile: string): PromiseLike<void>;
}

export interface CommandDeps {
  /** The running helper, started on first use; undefined when it cannot start (already explained). */
  helper: () => Promise<HelperConnection | undefined>;
  ui: Ui;
  settings: () => Settings;
  store: ActiveProfileStore;
  statusBar?: StatusController;
  now?: () => Date;
}

export class CommandContext {
  constructor(
    readonly deps: CommandDeps,
    readonly flows: Flows,
  ) {}

  get ui(): Ui {
    return this.deps.ui;
  }

  get statusBar(): StatusController | undefined {
    return this.deps.statusBar;
  }

  now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  /** The profile the status bar shows and the other commands act on. */
  activeProfile(): string {
    return this.chosenProfile() ?? "default";
  }

  /** The profile the person chose (stored, or `awsLogin.defaultProfile`), if any. */
  chosenProfile(): string | undefined {
    return this.deps.store.get() || this.deps.settings().defaultProfile || undefined;
  }

  async setActive(profile: string): Promise<void> {
    await this.deps.store.set(profile);
  }

  /** The running helper; when it cannot start (the person was told), the status bar says so. */
  async helper(): Promise<HelperConnection | undefined> {
    const h = await this.deps.helper();
    if (!h) {
      this.statusBar?.setUnavailable();
    }
    return h;
  }

  /** Every profile with its status, or undefined after telling the person what failed. */
  async listProfiles(helper: HelperConnection): Promise<StatusResult[] | undefined> {
    try {
      const r = await helper.sendRequest(listProfiles, {});
      return r.profiles ?? [];
    } catch (e) {
      await showError(this, toHelperError(e), undefined);
      return undefined;
    }
  }

  async status(helper: HelperConnection, profile: string, report = false): Promise<StatusResult | undefined> {
    try {
      return await helper.sendRequest(status, { profile });
    } catch (e) {
      if (report) {
        await showError(this, toHelperError(e), profile);
      }
      return undefined;
    }
  }

  async cancel(helper: HelperConnection, loginId: string): Promise<void> {
    try {
      await helper.sendRequest(cancelLogin, { loginId });
    } catch {
      // already finished or lapsed: nothing to cancel
    }
  }
}
