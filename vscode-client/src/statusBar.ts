/**
 * The status bar item: `aws: console-dev · 11h`, warning colour in the last 15 minutes.
 * It is driven by `awsLogin/status` results and `awsLogin/sessionChanged` notifications.
 * No `vscode` import: extension.ts hands in the real item and theme colours.
 */
import {
  Level,
  SessionView,
  Wording,
  followSource,
  formatTimeLeft,
  isLoggedIn,
  lookOf,
  sessionEnd,
  viewFromStatus,
} from "@aws-login-bridge/shared";

export { followSource, formatTimeLeft, isLoggedIn, sessionEnd, viewFromStatus };
export type { Level, SessionView };

/** The parts of `vscode.StatusBarItem` used here. */
export interface StatusBarItemLike {
  text: string;
  tooltip: unknown;
  backgroundColor: unknown;
  command: unknown;
  show(): void;
  hide(): void;
}

export interface Rendered {
  text: string;
  tooltip: string;
  level: Level;
}

const WORDING: Wording = {
  checking: "AWS Login: checking…",
  notLoggedIn: (p) => `AWS Login: profile ${p} is not logged in. Click to log in.`,
};

export function render(view: SessionView | undefined, now: Date, unavailable = false): Rendered {
  if (unavailable) {
    return {
      text: "aws: helper not running",
      tooltip: "AWS Login: its helper (aws-login-bridge) could not start. Click to try again.",
      level: "error",
    };
  }
  const look = lookOf(view, now, WORDING);
  return { text: look.text, tooltip: look.lines.join("\n"), level: look.level };
}

export interface StatusColors {
  warning: unknown;
  error: unknown;
}

/** Something to fix before a session can be shown (no helper, an unreadable AWS config). */
export interface Problem {
  /** The item's text, e.g. `aws: helper missing`. */
  text: string;
  /** What happened and what a click does. */
  tooltip: string;
  /** What a click runs (the fix); the menu when unset. */
  command?: string;
}

/** Told after each rendering of a known session (not while the helper is unavailable). */
export type RenderListener = (view: SessionView, level: Level, now: Date) => void;

export class StatusController {
  private view: SessionView | undefined;
  private unavailable = false;
  private problem: Problem | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners: RenderListener[] = [];

  constructor(
    private readonly item: StatusBarItemLike,
    private readonly colors: StatusColors,
    private readonly menuCommand: string,
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
    this.problem = undefined;
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
    this.problem = undefined;
    this.render();
  }

  /** Shows a problem instead of a session until the next update; a click runs `command` (the fix) or opens the menu. */
  setProblem(text: string, tooltip: string, command?: string): void {
    this.problem = { text, tooltip, command };
    this.unavailable = false;
    this.render();
  }

  /** The problem shown, if any. */
  get shownProblem(): Problem | undefined {
    return this.problem;
  }

  onDidRender(listener: RenderListener): void {
    this.listeners.push(listener);
  }

  render(): Rendered {
    const now = this.now();
    const problem = this.problem;
    const r: Rendered = problem
      ? { text: problem.text, tooltip: problem.tooltip, level: "warning" }
      : render(this.view, now, this.unavailable);
    this.item.text = r.text;
    this.item.tooltip = r.tooltip;
    this.item.command = problem?.command ?? this.menuCommand;
    this.item.backgroundColor =
      r.level === "warning" ? this.colors.warning : r.level === "error" ? this.colors.error : undefined;
    const view = this.view;
    if (view && !this.unavailable && !problem) {
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
