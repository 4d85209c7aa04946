/**
 * When to remind that a sign-in session ends, for both clients: once before the end (in the
 * status bar's warning stretch) and once when it is over, per session, however often the
 * status bar is redrawn or the helper repeats itself. It follows the level the status bar
 * shows, so the colour and the offer agree. Each client shows the reminder its own way.
 */
import { formatTimeLeft, sessionEnd, sessionKey } from './sessionTime';
import { sessionProfile } from './sessionView';
import type { Level, SessionView } from './sessionView';

export interface Reminder {
  /** The profile to log in again: the session's own (a role profile's source). */
  profile: string;
  ended: boolean;
  text: string;
}

export class EndReminders {
  /** `ending|ended` + profile + session: what was already offered. */
  private readonly offered = new Set<string>();

  /** The reminder to show now for `view` drawn at `level`, if one is due and not yet shown. */
  due(view: SessionView | undefined, level: Level, now: Date): Reminder | undefined {
    if (!(view?.loginSession || view?.sourceProfile) || level === 'normal') {
      return undefined;
    }
    const reminder = reminderFor(view, level, now);
    if (!reminder) {
      return undefined;
    }
    const key = `${reminder.ended ? 'ended' : 'ending'}|${view.profile}|${sessionKey(view)}`;
    if (this.offered.has(key)) {
      return undefined;
    }
    this.offered.add(key);
    return reminder;
  }
}

function reminderFor(view: SessionView, level: Level, now: Date): Reminder | undefined {
  // A role profile lives on its source's session: that is the one to log in again.
  const source = sessionProfile(view);
  const p =
    source === view.profile ? `profile "${source}"` : `profile "${source}" (used by profile "${view.profile}")`;
  if (level === 'error') {
    return {
      profile: source,
      ended: true,
      text: `The AWS session of ${p} is over (sessions last up to 12 hours): programs using it can no longer get credentials.`
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
    profile: source,
    ended: false,
    text: `The AWS session of ${p} ends in ${left} (sessions last up to 12 hours). Log in again now to keep working without a break.`
  };
}
