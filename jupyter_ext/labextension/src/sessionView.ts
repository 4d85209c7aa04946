/**
 * What one sign-in session looks like in a status bar — its text, tooltip lines, level and
 * time left — decided once for both clients (this JupyterLab extension and the VS Code
 * extension, which imports this file), so that they show the same session the same way.
 * Each client only says how it is drawn, and words the few states only it has.
 */
import type { SessionState, StatusResult } from './generated/protocol';
import { formatTimeLeft, isLoggedIn, sessionEnd, WARNING_MS } from './sessionTime';

/** What is known about the shown profile's session. */
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

export type Level = 'normal' | 'warning' | 'error';

export interface SessionLook {
  text: string;
  /** The tooltip, one line each. */
  lines: string[];
  level: Level;
  /** Milliseconds until the session (or, when its end is unknown, the credentials) ends. */
  left?: number;
}

/** The sentences that differ between the clients. */
export interface Wording {
  /** Tooltip while the state is being read. */
  checking: string;
  /** Tooltip of a profile without a login session. */
  notLoggedIn(profile: string): string;
}

/** A status result as a view; the helper says an ended session by its `SessionExpired`
 * problem (a status result has no `state`), which the view keeps as `expired`. */
export function viewFromStatus(s: StatusResult): SessionView {
  const ended = s.problems.some((p) => p.kind === 'SessionExpired');
  return {
    profile: s.profile,
    loginSession: s.loginSession,
    expiresAt: s.expiresAt,
    sessionExpiresAt: s.sessionExpiresAt,
    accountId: s.accountId,
    region: s.region,
    credentialSource: s.credentialSource,
    loggedIn: s.loggedIn,
    state: s.loggedIn ? 'active' : ended ? 'expired' : 'loggedOut'
  };
}

function accountOf(view: SessionView): string | undefined {
  if (view.accountId) {
    return view.accountId;
  }
  const m = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(view.loginSession ?? '');
  return m ? m[1] : undefined;
}

/** Over: the helper said so, or the end it reported has passed on this clock. */
function isOver(view: SessionView, left: number | undefined): boolean {
  return view.state === 'expired' || (left !== undefined && left <= 0);
}

/** How the session `view` looks at `now`: `aws: p · 11h`, `aws: p · expired`, … */
export function lookOf(view: SessionView | undefined, now: Date, wording: Wording): SessionLook {
  if (!view) {
    return { text: 'aws: …', lines: [wording.checking], level: 'normal' };
  }
  const p = view.profile;
  if (!isLoggedIn(view) && !(view.loginSession && view.state === 'expired')) {
    return { text: 'aws: not logged in', lines: [wording.notLoggedIn(p)], level: 'normal' };
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
  if (isOver(view, left)) {
    lines.push('The session is over: click to log in again.');
    return { text: `aws: ${p} · expired`, lines, level: 'error', left };
  }
  if (end) {
    lines.push(`${view.sessionExpiresAt ? 'Session ends' : 'Credentials expire'}: ${end.toISOString()}`);
  }
  if (view.credentialSource && view.credentialSource !== 'login') {
    lines.push(`Note: credentials from '${view.credentialSource}' win over this login.`);
  }
  lines.push('Click for the AWS Login menu.');
  if (left === undefined) {
    return { text: `aws: ${p}`, lines, level: 'normal' };
  }
  return {
    text: `aws: ${p} · ${formatTimeLeft(left)}`,
    lines,
    level: left <= WARNING_MS ? 'warning' : 'normal',
    left
  };
}
