/**
 * The status bar item: `aws: console-dev · 11h`, warning colour in the last 15 minutes.
 * It is driven by `awsLogin/status` results and `awsLogin/sessionChanged` notifications.
 * No `vscode` import: extension.ts hands in the real item and theme colours.
 */
import type { SessionState } from "./lsp_ext";
import { WARNING_MS, formatTimeLeft, isLoggedIn, sessionEnd } from "../../jupyter_ext/labextension/src/sessionTime";

export { WARNING_MS, formatTimeLeft, isLoggedIn, sessionEnd };

/** The parts of `vscode.StatusBarItem` used here. */
export interface StatusBarItemLike {
  text: string;
  tooltip: unknown;
  backgroundColor: unknown;
  command: unknown;
  show(): void;
  hide(): void;
}

/** What is known about the active profile's session. */
export interface SessionView {
  profile: string;
  loginSession: string | null;
  /** Access credentials' expiry. */
  expiresAt?: string | null;
  /** The whole session's end, when the helper reports it. */
  sessionExpiresAt?: string | null;
  accountId?: string | null;
  region?: string | null;
  state?: SessionState;
  /** As the helper said: a session, cached credentials, and the 12-hour session not over. */
  loggedIn: boolean;
  /** A credential source other than `login` wins for this profile (e.g. `env`). */
  credentialSource?: string | null;
}

export type Level = "normal" | "warning" | "error";

export function accountOf(view: SessionView): string | undefined {
  if (view.accountId) {
    return view.accountId;
  }
  const m = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(view.loginSession ?? "");
  return m ? m[1] : undefined;
}

export interface Rendered {
  text: string;
  tooltip: string;
  level: Level;
}

export function render(view: SessionView | undefined, now: Date, unavailable = false): Rendered {
  if (unavailable) {
    return {
      text: "aws: helper not running",
      tooltip: "AWS Login: its helper (aws-login-bridge) could not start. Click to try again.",
      level: "error",
    };
  }
  if (!view) {
    return { text: "aws: …", tooltip: "AWS Login: checking…", level: "normal" };
  }
  const p = view.profile;
  if (!isLoggedIn(view) && !(view.loginSession && view.state === "expired")) {
    return {
      text: "aws: not logged in",
      tooltip: `AWS Login: profile ${p} is not logged in. Click to log in.`,
      level: "normal",
    };
  }
  const end = sessionEnd(view);
  const left = end ? end.getTime() - now.getTime() : undefined;
  const lines = [`AWS Login: profile ${p}`, `Session: ${view.loginSession}`];
  const account = accountOf(view);
  if (account) {
    lines.push(`Account: ${account}`);
  }
  if (view.region) {
    lines.push(`Region: ${view.region}`);
  }
  if (view.state === "expired" || (left !== undefined && left <= 0)) {
    lines.push("The session is over: click to log in again.");
    return { text: `aws: ${p} · expired`, tooltip: lines.join("\n"), level: "error" };
  }
  if (end) {
    lines.push(`${view.sessionExpiresAt ? "Session ends" : "Credentials expire"}: ${end.toISOString()}`);
  }
  if (view.credentialSource && view.credentialSource !== "login") {
    lines.push(`Note: credentials from '${view.credentialSource}' win over this login.`);
  }
  lines.push("Click for the AWS Login menu.");
  if (left === undefined) {
    return { text: `aws: ${p}`, tooltip: lines.join("\n"), level: "normal" };
  }
  return {
    text: `aws: ${p} · ${formatTimeLeft(left)}`,
    tooltip: lines.join("\n"),
    level: left <= WARNING_MS ? "warning" : "normal",
  };
}

export interface StatusColors {
  warning: unknown;
  error: unknown;
}

/** Told after each rendering of a known session (not while the helper is unavailable). */
export type RenderListener = (view: SessionView, level: Level, now: Date) => void;

export class StatusController {
  private view: SessionView | undefined;
  private unavailable = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners: RenderListener[] = [];

  constructor(
    private readonly item: StatusBarItemLike,
    private readonly colors: StatusColors,
    menuCommand: string,
    private readonly now: () => Date = () => new Date(),
    refreshMs = 30_000,
  ) {
    item.command = menuCommand;
    this.render();
    item.show();
    if (refreshMs > 0) {
      this.timer = setInterval(() => this.render(), refreshMs);
      this.timer.unref?.();
    }
  }

  get current(): SessionView | undefined {
    return this.view;
  }

  get profile(): string | undefined {
    return this.view?.profile;
  }

  isLoggedIn(): boolean {
    return isLoggedIn(this.view);
  }

  /** Replaces what is shown. */
  update(view: SessionView): void {
    this.view = { ...view };
    this.unavailable = false;
    this.render();
  }

  /** Applies a partial change for the shown profile (e.g. a refreshed expiry). */
  merge(change: Partial<SessionView> & { profile: string }): void {
    if (this.view && this.view.profile === change.profile) {
      const next: SessionView = { ...this.view };
      for (const [k, v] of Object.entries(change)) {
        if (v !== undefined) {
          (next as unknown as Record<string, unknown>)[k] = v;
        }
      }
      this.update(next);
    } else {
      this.update(change as SessionView);
    }
  }

  /** The helper could not start: say so until the next update. */
  setUnavailable(): void {
    this.unavailable = true;
    this.render();
  }

  onDidRender(listener: RenderListener): void {
    this.listeners.push(listener);
  }

  render(): Rendered {
    const now = this.now();
    const r = render(this.view, now, this.unavailable);
    this.item.text = r.text;
    this.item.tooltip = r.tooltip;
    this.item.backgroundColor =
      r.level === "warning" ? this.colors.warning : r.level === "error" ? this.colors.error : undefined;
    const view = this.view;
    if (view && !this.unavailable) {
      for (const listener of this.listeners) {
        listener(view, r.level, now);
      }
    }
    return r;
  }

  dispose(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
    this.item.hide();
  }
}
