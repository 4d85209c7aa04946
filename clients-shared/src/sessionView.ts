/**
 * What one sign-in session looks like in a status bar — its text, tooltip lines, level and
 * time left — decided once for both clients (the JupyterLab and the VS Code extension), so
 * that they show the same session the same way.
 * Each client only says how it is drawn, and words the few states only it has.
 */
import type { SessionChangedParams, SessionState, StatusResult } from './generated/protocol';
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
  /** The login profile whose session this profile assumes its role with (null: its own). */
  sourceProfile?: string | null;
  /** The role this profile assumes (`role_arn`). */
  roleArn?: string | null;
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
    sourceProfile: s.sourceProfile ?? null,
    roleArn: s.roleArn ?? null,
    state: s.loggedIn ? 'active' : ended ? 'expired' : 'loggedOut'
  };
}

function accountOf(view: SessionView): string | undefined {
  if (view.accountId) {
    return view.accountId;
  }
  // A role's account is the role's, not the session's it is assumed with.
  const m = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(view.roleArn ?? view.loginSession ?? '');
  return m ? m[1] : undefined;
}

/** A role profile's view after a change of its source's session (`change` is the source's). */
export function followSource(
  role: SessionView,
  change: Pick<SessionView, 'loginSession' | 'sessionExpiresAt' | 'loggedIn' | 'state'>
): SessionView {
  const out = change.state === 'loggedOut';
  return {
    ...role,
    loginSession: out ? role.loginSession : change.loginSession ?? role.loginSession,
    sessionExpiresAt: change.sessionExpiresAt ?? null,
    expiresAt: out ? null : role.expiresAt,
    loggedIn: change.loggedIn,
    state: change.state
  };
}

/**
 * JupyterLab's status bar after a `sessionChanged`: the shown profile's change, its source's
 * (a shown role follows it), or another login profile's new login while the shown profile is
 * not logged in (a CLI login of `dev` while `default` is shown); undefined: nothing to show.
 */
export function afterChange(
  shown: SessionView | undefined,
  change: SessionChangedParams
): SessionView | undefined {
  if (shown?.sourceProfile && change.profile === shown.sourceProfile) {
    return followSource(shown, change);
  }
  if (shown && change.profile === shown.profile) {
    return { ...shown, ...change };
  }
  // The login itself is followed, not each role profile assumed with it.
  if (!isLoggedIn(shown) && change.loggedIn && !change.sourceProfile) {
    return { ...change };
  }
  return undefined;
}

/** The profile whose login session `view`'s credentials come from: a role profile's source, else itself. */
export function sessionProfile(view: { profile: string; sourceProfile?: string | null }): string {
  return view.sourceProfile || view.profile;
}

/** `admin (via console)` for a role assumed with another profile's session, else the name. */
export function profileLabel(view: { profile: string; sourceProfile?: string | null }): string {
  return view.sourceProfile ? `${view.profile} (via ${view.sourceProfile})` : view.profile;
}

/** The tooltip's first lines: the profile, and for a role, the role and whose session it uses. */
function identityLines(view: SessionView): string[] {
  const src = view.sourceProfile;
  if (!src) {
    return [`AWS Login: profile ${view.profile}`, `Session: ${view.loginSession}`];
  }
  const lines = [`AWS Login: profile ${view.profile}`];
  if (view.roleArn) {
    lines.push(`Role: ${view.roleArn}`);
  }
  lines.push(`Session of profile ${src}` + (view.loginSession ? `: ${view.loginSession}` : ''));
  return lines;
}

/** A role profile whose source is not logged in: the role is only as good as that session. */
function roleNotLoggedIn(view: SessionView, src: string): SessionLook {
  const lines = [`AWS Login: profile ${view.profile}`];
  if (view.roleArn) {
    lines.push(`Role: ${view.roleArn}`);
  }
  lines.push(
    `Profile ${src}, whose session this role is assumed with, is not logged in: log in to profile ${src}.`,
    `AWS: Login on profile ${view.profile} logs in profile ${src}.`
  );
  return { text: `aws: ${profileLabel(view)} · not logged in`, lines, level: 'normal' };
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
  const p = profileLabel(view);
  const src = view.sourceProfile;
  const hasSession = Boolean(view.loginSession || src);
  if (!isLoggedIn(view) && !(hasSession && view.state === 'expired')) {
    return src
      ? roleNotLoggedIn(view, src)
      : { text: 'aws: not logged in', lines: [wording.notLoggedIn(view.profile)], level: 'normal' };
  }
  const end = sessionEnd(view);
  const left = end ? end.getTime() - now.getTime() : undefined;
  const lines = identityLines(view);
  const account = accountOf(view);
  if (account) {
    lines.push(`Account: ${account}`);
  }
  if (view.region) {
    lines.push(`Region: ${view.region}`);
  }
  if (isOver(view, left)) {
    lines.push(
      src
        ? `The session of profile ${src} is over: log in to profile ${src} again.`
        : 'The session is over: click to log in again.'
    );
    return { text: `aws: ${p} · expired`, lines, level: 'error', left };
  }
  if (end) {
    lines.push(`${view.sessionExpiresAt ? 'Session ends' : 'Credentials expire'}: ${end.toISOString()}`);
  }
  // A role profile's credentials come from assuming its role (botocore's `assume-role`).
  const own = src ? ['login', 'assume-role'] : ['login'];
  if (view.credentialSource && !own.includes(view.credentialSource)) {
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
