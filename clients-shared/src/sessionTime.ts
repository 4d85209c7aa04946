/**
 * How both clients (the JupyterLab and the VS Code extension) read a session's end and show
 * the time left, so the status bars agree.
 */

/** The last stretch of the 12-hour session in which the status bars turn to the warning colour. */
export const WARNING_MS = 15 * 60 * 1000;
const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

/** The helper decides (`loggedIn`, one definition in the protocol declaration). */
export function isLoggedIn(view: { loggedIn: boolean } | undefined): boolean {
  return view?.loggedIn === true;
}

/** When the sign-in ends: the 12-hour session's end, else the credentials' expiry. */
export function sessionEnd(view: {
  sessionExpiresAt?: string | null;
  expiresAt?: string | null;
}): Date | undefined {
  const iso = view.sessionExpiresAt ?? view.expiresAt;
  const at = iso ? new Date(iso) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

/** One sign-in session, for reminding once per session: its ARN and its end (signing in
 * again with the same console session keeps the ARN, not the end). */
export function sessionKey(view: { loginSession?: string | null; sessionExpiresAt?: string | null }): string {
  return `${view.loginSession ?? ''}|${view.sessionExpiresAt ?? ''}`;
}

/** `11h`, `42m`, `<1m`. */
export function formatTimeLeft(ms: number): string {
  if (ms >= HOUR) {
    return `${Math.floor(ms / HOUR)}h`;
  }
  if (ms >= MINUTE) {
    return `${Math.floor(ms / MINUTE)}m`;
  }
  return '<1m';
}
