/**
 * The one view of a session both status bars draw (VS Code's and JupyterLab's), and when
 * both remind of its end: clients-shared/src/{sessionView,endReminder}.ts.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EndReminders, SessionView, StatusResult, Wording, lookOf, viewFromStatus } from "@aws-login-bridge/shared";

const NOW = new Date("2026-11-26T08:00:00Z");
const MINUTE = 60_000;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE).toISOString();
const SESSION = "arn:aws:sts::123456789012:assumed-role/Developer/console-session";
const WORDING: Wording = {
  checking: "checking",
  notLoggedIn: (p) => `no sign-in for ${p}`,
};

function loggedIn(minutesLeft: number, more: Partial<SessionView> = {}): SessionView {
  return { profile: "p", loginSession: SESSION, sessionExpiresAt: at(minutesLeft), loggedIn: true, ...more };
}

function status(more: Partial<StatusResult>): StatusResult {
  return {
    profile: "p", loginSession: SESSION, expiresAt: null, sessionExpiresAt: at(-1), loggedIn: false,
    accountId: "123456789012", region: "us-east-1", credentialSource: "login", problems: [], sourceProfile: null, roleArn: null, ...more,
  };
}

describe("the shared session view", () => {
  it("shows expired once the session's end has passed on the client's clock", () => {
    const before = lookOf(loggedIn(0.5), NOW, WORDING);
    assert.equal(before.text, "aws: p · <1m");
    assert.equal(before.level, "warning");
    assert.equal(before.left, 30_000);
    // The helper still says logged in (it has not looked yet); the end has passed here.
    const after = lookOf(loggedIn(-0.5), NOW, WORDING);
    assert.equal(after.text, "aws: p · expired");
    assert.equal(after.level, "error");
    assert.match(after.lines.join("\n"), /session is over/);
    assert.equal(lookOf(loggedIn(0), NOW, WORDING).text, "aws: p · expired");
  });

  it("shows expired for an ended session read from a status result (a page reload)", () => {
    const ended = status({
      problems: [{ kind: "SessionExpired", message: "The 12-hour login session ended." }],
    });
    const view = viewFromStatus(ended);
    assert.equal(view.state, "expired");
    // Whatever the client's clock says: the helper's verdict is enough.
    const look = lookOf(view, new Date(NOW.getTime() - 60 * MINUTE), WORDING);
    assert.equal(look.text, "aws: p · expired");
    assert.equal(look.level, "error");
    assert.match(look.lines.join("\n"), /Account: 123456789012/);
    // Logged out (no ended session among its problems): not logged in.
    const out = viewFromStatus(status({ loginSession: null, sessionExpiresAt: null, problems: [] }));
    assert.equal(out.state, "loggedOut");
    assert.equal(lookOf(out, NOW, WORDING).text, "aws: not logged in");
  });

  it("turns to the warning level in the last 15 minutes of the session", () => {
    const early = lookOf(loggedIn(16), NOW, WORDING);
    assert.deepEqual([early.text, early.level, early.left], ["aws: p · 16m", "normal", 16 * MINUTE]);
    const late = lookOf(loggedIn(15), NOW, WORDING);
    assert.deepEqual([late.text, late.level], ["aws: p · 15m", "warning"]);
    const hours = lookOf(loggedIn(11 * 60 + 40, { region: "eu-west-1" }), NOW, WORDING);
    assert.deepEqual([hours.text, hours.level], ["aws: p · 11h", "normal"]);
    assert.deepEqual(hours.lines, [
      "AWS Login: profile p",
      `Session: ${SESSION}`,
      "Account: 123456789012",
      "Region: eu-west-1",
      `Session ends: ${at(11 * 60 + 40)}`,
      "Click for the AWS Login menu.",
    ]);
  });

  it("says not logged in, or checking, in the client's own words", () => {
    const out = lookOf({ profile: "lab", loginSession: null, state: "loggedOut", loggedIn: false }, NOW, WORDING);
    assert.deepEqual(out, { text: "aws: not logged in", lines: ["no sign-in for lab"], level: "normal" });
    // `expired` without a session to end (a profile never logged in) is not logged in either.
    const never = lookOf({ profile: "lab", loginSession: null, state: "expired", loggedIn: false }, NOW, WORDING);
    assert.equal(never.text, "aws: not logged in");
    assert.deepEqual(lookOf(undefined, NOW, WORDING), { text: "aws: …", lines: ["checking"], level: "normal" });
  });
});

describe("the shared end reminders", () => {
  it("reminds once before the end and once after it, per session", () => {
    const reminders = new EndReminders();
    const view = loggedIn(10);
    assert.equal(reminders.due(view, "normal", NOW), undefined);
    const ending = reminders.due(view, "warning", NOW);
    assert.equal(ending?.ended, false);
    assert.match(ending?.text ?? "", /profile "p" ends in 10m/);
    assert.equal(reminders.due(view, "warning", new Date(NOW.getTime() + MINUTE)), undefined);
    const ended = reminders.due({ ...view, state: "expired", loggedIn: false }, "error", NOW);
    assert.equal(ended?.ended, true);
    assert.match(ended?.text ?? "", /is over/);
    assert.equal(reminders.due({ ...view, state: "expired", loggedIn: false }, "error", NOW), undefined);
    // A new sign-in (same console session ARN, a new end): reminded again.
    assert.equal(reminders.due(loggedIn(12), "warning", NOW)?.ended, false);
    // Another profile with the same session: its own reminder.
    assert.equal(reminders.due(loggedIn(10, { profile: "q" }), "warning", NOW)?.profile, "q");
  });

  it("does not remind without a session, or from the credentials' expiry alone", () => {
    const reminders = new EndReminders();
    const noSession: SessionView = { profile: "p", loginSession: null, loggedIn: false };
    assert.equal(reminders.due(noSession, "error", NOW), undefined);
    const credentialsOnly: SessionView = { profile: "p", loginSession: SESSION, expiresAt: at(5), loggedIn: true };
    assert.equal(lookOf(credentialsOnly, NOW, WORDING).level, "warning");
    assert.equal(reminders.due(credentialsOnly, "warning", NOW), undefined);
  });
});
