/**
 * What a logout says. Both clients: that AWS Sign-In revoked the refresh token (a copy of the
 * cache file can no longer refresh). JupyterLab: the whole message, what was removed and
 * whether the token was revoked or why not (here, so that the VS Code extension's unit tests
 * run it).
 */

export const REVOKED_TEXT =
  'AWS Sign-In revoked its refresh token: a copy of the cached login can no longer refresh.';

export function logoutMessage(
  profile: string,
  role: string | undefined,
  removed: number,
  revoked: boolean | undefined,
  revokeProblem: string | null | undefined
): string {
  const via = role ? ` (the session profile '${role}' assumes its role with)` : '';
  if (!removed) {
    const nothing = `Profile '${profile}'${via} had no cached credentials; nothing to remove.`;
    return revokeProblem ? `${nothing} ${revokeProblem}` : nothing;
  }
  // Only what the server said: an older helper answers without `revoked`.
  const revoke = revokeProblem ? ` ${revokeProblem}` : revoked ? ` ${REVOKED_TEXT}` : '';
  return (
    `Logged out of profile '${profile}'${via}.${revoke} ` +
    'Credentials already handed out stay valid until they expire (at most 15 minutes).'
  );
}
