/**
 * Before the session ends: a real login through the REAL helper against the emulator, then
 * the clock moved to 10 minutes before the session's end. The status bar turns to the
 * warning colour and exactly one "Log in again" notification appears, however often the bar
 * is redrawn or the helper repeats itself; clicking it starts the login flow (the sign-in
 * page opens). When the session is over, or the helper says it is (RefreshRequired ⇒
 * `expired`), the same offer appears once more, and only once.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Commands } from "../src/commands";
import { LOG_IN_AGAIN, SessionReminder } from "../src/sessionReminder";
import { MemoryStore, ScriptedUi, fakeStatusBar, makeAwsHome, loginThroughHelper, testSettings } from "./harness";
import { until } from "./wait";
import { Lab } from "./world";

const lab = new Lab();

const MINUTE = 60_000;

describe("the session's end", () => {
  it("warns once 10 minutes before, offers Log in again once, and that starts the login", async () => {
    const home = makeAwsHome(lab.url);
    const settings = testSettings(lab.url);
    const helper = await lab.helper(home);
    try {
      const done = await loginThroughHelper(helper.connection, lab.url, "dev");
      assert.ok(done.sessionExpiresAt, "the helper reports the session's end");
      const end = new Date(done.sessionExpiresAt).getTime();

      let now = new Date(end - 10 * MINUTE);
      const ui = new ScriptedUi();
      const opened: string[] = [];
      ui.onOpen = (url) => {
        opened.push(url);
        return true;
      };
      ui.onMessage(/ends in 10m/, LOG_IN_AGAIN);
      // The code box of the login that starts: dismissed (the flow started is what counts).
      ui.answerInput(/verification code for profile "dev"/, undefined);
      const bar = fakeStatusBar(() => now);
      const commands = new Commands({
        helper: async () => helper.connection,
        ui,
        settings: () => settings,
        store: new MemoryStore(),
        statusBar: bar.controller,
        now: () => now,
      });
      let logins = 0;
      const reminder = new SessionReminder(ui, async (profile) => {
        logins += 1;
        await commands.login({ profile });
      });
      bar.controller.onDidRender((view, level, at) => reminder.check(view, level, at));

      bar.controller.update({
        profile: done.profile, loginSession: done.loginSession, expiresAt: done.expiresAt,
        sessionExpiresAt: done.sessionExpiresAt, accountId: done.accountId, state: "active", loggedIn: true,
      });
      assert.equal(bar.item.backgroundColor, "WARNING");
      assert.equal(bar.item.text, "aws: dev · 10m");
      // Redraws (the 30-second timer), a refresh notification: no second offer.
      for (let i = 0; i < 5; i++) {
        now = new Date(now.getTime() + 30_000);
        bar.controller.render();
      }
      bar.controller.merge({ profile: "dev", loginSession: done.loginSession, expiresAt: done.expiresAt, state: "refreshed" });
      await until(() => opened.length === 1 && ui.remainingSteps() === 0);
      const offers = ui.messages("warning").filter((m) => m.actions.includes(LOG_IN_AGAIN));
      assert.equal(offers.length, 1, JSON.stringify(offers));
      assert.match(offers[0].text, /profile "dev" ends in 10m/);
      assert.equal(logins, 1);
      assert.ok(opened[0].startsWith(`${lab.url}/v1/authorize?`), "Log in again opened the sign-in page");

      // The session ends; the helper says `expired` (its RefreshRequired or the end) again and again.
      now = new Date(end + MINUTE);
      for (let i = 0; i < 3; i++) {
        bar.controller.merge({ profile: "dev", loginSession: done.loginSession, state: "expired" });
        bar.controller.render();
      }
      assert.equal(bar.item.text, "aws: dev · expired");
      assert.equal(bar.item.backgroundColor, "ERROR");
      const ended = ui.messages("warning").filter((m) => /is over/.test(m.text));
      assert.equal(ended.length, 1, JSON.stringify(ended));
      assert.deepEqual(ended[0].actions, [LOG_IN_AGAIN]);
      assert.equal(ui.messages("warning").length, 2);
    } finally {
      await helper.stop();
    }
  });

  it("no offer while the helper is unavailable, or when only the credentials' expiry is known", () => {
    const now = new Date("2026-11-26T08:00:00Z");
    const ui = new ScriptedUi();
    const bar = fakeStatusBar(() => now);
    const reminder = new SessionReminder(ui, async () => undefined);
    bar.controller.onDidRender((view, level, at) => reminder.check(view, level, at));
    const session = "arn:aws:sts::123456789012:assumed-role/Dev/me";
    bar.controller.update({
      profile: "p",
      loginSession: session,
      expiresAt: new Date(now.getTime() + 5 * MINUTE).toISOString(),
      loggedIn: true,
    });
    assert.equal(bar.item.backgroundColor, "WARNING");
    bar.controller.setUnavailable();
    assert.equal(bar.item.backgroundColor, "ERROR");
    assert.equal(ui.messages().length, 0);
  });
});
