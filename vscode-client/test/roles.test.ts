/**
 * Issue 19 in the clients, against a scripted helper that answers with the declared types:
 * a role profile (`role_arn` + `source_profile = console`) is shown and logged in through
 * its source's session, and logout says whether the refresh token was revoked.
 * roles.e2e.test.ts does the same through the real helper and the emulator.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RequestType } from "vscode-jsonrpc";
import {
  EndReminders,
  REVOKED_TEXT,
  SessionView,
  Wording,
  afterChange,
  logoutMessage,
  lookOf,
  viewFromStatus,
} from "@aws-login-bridge/shared";
import { Commands } from "../src/commands";
import {
  CompleteLoginResult,
  HelperConnection,
  LogoutResult,
  SessionChangedParams,
  StartLoginResult,
  StatusResult,
} from "../src/lsp_ext";
import { LOG_IN_AGAIN, SessionReminder } from "../src/sessionReminder";
import { MemoryStore, ScriptedUi, fakeStatusBar, testSettings } from "./harness";

const NOW = new Date("2026-11-26T08:00:00Z");
const MINUTE = 60_000;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE).toISOString();
const SESSION = "arn:aws:sts::111111111111:assumed-role/Dev/me";
const ROLE = "arn:aws:iam::222222222222:role/Admin";
const WORDING: Wording = { checking: "checking", notLoggedIn: (p) => `no sign-in for ${p}` };

function statusOf(more: Partial<StatusResult> & { profile: string }): StatusResult {
  return {
    loginSession: null, expiresAt: null, sessionExpiresAt: null, loggedIn: false, sourceProfile: null, roleArn: null,
    accountId: null, region: "us-east-1", credentialSource: null, problems: [], ...more,
  };
}

const consoleIn = (loggedIn: boolean) =>
  statusOf({
    profile: "console", loginSession: SESSION, loggedIn, credentialSource: "login",
    sessionExpiresAt: loggedIn ? at(11 * 60 + 30) : null, accountId: "111111111111",
  });
const adminIn = (loggedIn: boolean) =>
  statusOf({
    profile: "admin", sourceProfile: "console", roleArn: ROLE, loginSession: SESSION, loggedIn,
    credentialSource: "assume-role", sessionExpiresAt: loggedIn ? at(11 * 60 + 30) : null,
  });

/** A helper that answers each method from a function of its params, and records the calls. */
class ScriptedHelper implements HelperConnection {
  readonly calls: Array<{ method: string; params: any }> = [];
  constructor(private readonly answers: Record<string, (params: any) => unknown>) {}
  async sendRequest<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R> {
    this.calls.push({ method: type.method, params });
    const answer = this.answers[type.method];
    assert.ok(answer, `unexpected request ${type.method}`);
    return answer(params) as R;
  }
  onNotification(): { dispose(): void } {
    return { dispose: () => undefined };
  }
  sent(method: string): any[] {
    return this.calls.filter((c) => c.method.endsWith(method)).map((c) => c.params);
  }
}

/** A role profile whose source logs in: listProfiles/status answer from `loggedIn`. */
function roleHelper(state: { loggedIn: boolean }, logout?: LogoutResult, withRole = true): ScriptedHelper {
  const statuses = () => (withRole ? [adminIn(state.loggedIn)] : []).concat([consoleIn(state.loggedIn)]);
  return new ScriptedHelper({
    "awsLogin/listProfiles": () => ({ profiles: statuses() }),
    "awsLogin/status": (p: { profile: string }) => statuses().find((s) => s.profile === p.profile),
    "awsLogin/startLogin": (p: { profile: string }): StartLoginResult => ({
      loginId: "l-1", authorizeUrl: "https://signin.example/v1/authorize?x=1", profile: p.profile,
      region: "us-east-1", flow: "remote", expiresAt: at(10),
    }),
    "awsLogin/completeLogin": (): CompleteLoginResult => {
      state.loggedIn = true;
      return {
        profile: "console", loginSession: SESSION, accountId: "111111111111", region: "us-east-1",
        expiresAt: at(15), sessionExpiresAt: at(11 * 60 + 30), replaced: null,
      };
    },
    "awsLogin/cancelLogin": () => null,
    "awsLogin/logout": () => {
      state.loggedIn = false;
      return logout ?? { removed: 1, alsoLoggedOut: [], revoked: true, revokeProblem: null };
    },
  });
}

function commandsWith(helper: HelperConnection, active?: string) {
  const ui = new ScriptedUi();
  const store = new MemoryStore();
  store.value = active;
  const bar = fakeStatusBar(() => NOW);
  const commands = new Commands({
    helper: async () => helper,
    ui,
    settings: () => testSettings("http://127.0.0.1:9"),
    store,
    statusBar: bar.controller,
    now: () => NOW,
  });
  return { ui, store, bar, commands };
}

describe("a role profile in the shared status view", () => {
  it("names its source, shows the source's session end, and its role", () => {
    const look = lookOf(viewFromStatus(adminIn(true)), NOW, WORDING);
    assert.equal(look.text, "aws: admin (via console) · 11h");
    assert.equal(look.level, "normal");
    assert.deepEqual(look.lines, [
      "AWS Login: profile admin",
      `Role: ${ROLE}`,
      `Session of profile console: ${SESSION}`,
      "Account: 222222222222",
      "Region: us-east-1",
      `Session ends: ${at(11 * 60 + 30)}`,
      "Click for the AWS Login menu.",
    ]);
  });

  it("advises logging in to the source while that is not logged in", () => {
    const view = viewFromStatus(adminIn(false));
    const look = lookOf(view, NOW, WORDING);
    assert.equal(look.text, "aws: admin (via console) · not logged in");
    assert.ok(look.lines.includes(`Role: ${ROLE}`), look.lines.join("\n"));
    assert.match(look.lines.join("\n"), /Profile console, whose session this role is assumed with, is not logged in: log in to profile console\./);
    // An ended source session: over, and the one to log in again is the source.
    const over = lookOf({ ...view, state: "expired" }, NOW, WORDING);
    assert.equal(over.text, "aws: admin (via console) · expired");
    assert.match(over.lines.join("\n"), /The session of profile console is over: log in to profile console again\./);
  });

  it("JupyterLab's status bar: a shown role follows its source's sessionChanged; a role's own login is not followed", () => {
    const change: SessionChangedParams = {
      profile: "console", loginSession: SESSION, expiresAt: at(15), sessionExpiresAt: at(11 * 60 + 30),
      loggedIn: true, sourceProfile: null, roleArn: null, state: "active",
    };
    const shown = viewFromStatus(adminIn(false));
    const next = afterChange(shown, change);
    assert.equal(next && lookOf(next, NOW, WORDING).text, "aws: admin (via console) · 11h");
    const out = afterChange(next, { ...change, loggedIn: false, sessionExpiresAt: null, state: "loggedOut" });
    assert.equal(out && lookOf(out, NOW, WORDING).text, "aws: admin (via console) · not logged in");
    // Shown: default, not logged in. A role's login is not followed; the login profile's is.
    const idle: SessionView = { profile: "default", loginSession: null, loggedIn: false, state: "loggedOut" };
    assert.equal(afterChange(idle, { ...change, profile: "admin", sourceProfile: "console", roleArn: ROLE }), undefined);
    assert.equal(afterChange(idle, change)?.profile, "console");
  });

  it("reminds to log in the source, naming the role profile", () => {
    const view: SessionView = { ...viewFromStatus(adminIn(true)), sessionExpiresAt: at(10) };
    const due = new EndReminders().due(view, "warning", NOW);
    assert.equal(due?.profile, "console");
    assert.match(due?.text ?? "", /profile "console" \(used by profile "admin"\) ends in 10m/);
  });
});

describe("VS Code commands on a role profile", () => {
  it("AWS: Login on admin logs in console and keeps admin active", async () => {
    const helper = roleHelper({ loggedIn: false });
    const { ui, store, bar, commands } = commandsWith(helper, "admin");
    ui.choose(/choose a profile/, "admin").answerInput(/verification code for profile "console"/, "code-1");
    const done = await commands.login();
    assert.equal(done?.profile, "console");
    assert.deepEqual(helper.sent("startLogin").map((p) => p.profile), ["console"]);
    const pick = ui.events.find((e) => e.kind === "pick" && /choose a profile/.test(e.title));
    assert.ok(pick?.kind === "pick");
    assert.equal(pick.descriptions[pick.labels.indexOf("admin")], "role via console · not logged in (log in to console) · us-east-1");
    assert.equal(store.value, "admin");
    assert.equal(bar.item.text, "aws: admin (via console) · 11h");
    const said = ui.messages("info").find((m) => m.text.startsWith("Logged in to AWS"));
    assert.match(said?.text ?? "", new RegExp(`Profile admin assumes ${ROLE} with this session\\.`));
  });

  it("Login with the profile named (an error's Login button, the reminder) maps it to its source too", async () => {
    const helper = roleHelper({ loggedIn: false });
    const { ui, store, commands } = commandsWith(helper, "admin");
    ui.answerInput(/verification code for profile "console"/, "code-1");
    await commands.login({ profile: "admin" });
    assert.deepEqual(helper.sent("startLogin").map((p) => p.profile), ["console"]);
    assert.equal(store.value, "admin");
  });

  it("the end reminder's Log in again logs in the source", async () => {
    const helper = roleHelper({ loggedIn: true });
    const { ui, bar, commands } = commandsWith(helper, "admin");
    ui.onMessage(/ends in 10m/, LOG_IN_AGAIN).answerInput(/verification code for profile "console"/, undefined);
    const logins: string[] = [];
    const reminder = new SessionReminder(ui, async (profile) => {
      logins.push(profile);
      await commands.login({ profile });
    });
    bar.controller.onDidRender((view, level, now) => reminder.check(view, level, now));
    bar.controller.update({ ...viewFromStatus(adminIn(true)), sessionExpiresAt: at(10) });
    for (let i = 0; i < 50 && helper.sent("startLogin").length === 0; i++) {
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(logins, ["console"]);
    assert.deepEqual(helper.sent("startLogin").map((p) => p.profile), ["console"]);
  });

  it("Switch Profile offers the role profile and shows it through its source", async () => {
    const helper = roleHelper({ loggedIn: true });
    const { ui, bar, commands } = commandsWith(helper, "console");
    ui.choose(/Switch Profile/, "admin");
    assert.equal(await commands.switchProfile(), "admin");
    const pick = ui.events.find((e) => e.kind === "pick");
    assert.ok(pick?.kind === "pick" && pick.labels.includes("admin"));
    assert.equal(pick.descriptions[pick.labels.indexOf("admin")], "role via console · logged in · 11h left · us-east-1");
    assert.equal(bar.item.text, "aws: admin (via console) · 11h");
  });

  it("the shown role follows its source's sessionChanged and stays shown", async () => {
    const helper = roleHelper({ loggedIn: false });
    const { store, bar, commands } = commandsWith(helper, "admin");
    await commands.refreshStatus();
    assert.equal(bar.item.text, "aws: admin (via console) · not logged in");
    const change: SessionChangedParams = {
      profile: "console", loginSession: SESSION, expiresAt: at(15), sessionExpiresAt: at(11 * 60 + 30),
      loggedIn: true, sourceProfile: null, roleArn: null, state: "active",
    };
    await commands.onSessionChanged(change);
    assert.equal(store.value, "admin", "a login of the source does not switch away from the role");
    assert.equal(bar.item.text, "aws: admin (via console) · 11h");
    await commands.onSessionChanged({ ...change, loginSession: null, expiresAt: null, sessionExpiresAt: null, loggedIn: false, state: "loggedOut" });
    assert.equal(bar.item.text, "aws: admin (via console) · not logged in");
  });

  it("a login elsewhere is followed to the login profile, not to a role assumed with it", async () => {
    const helper = roleHelper({ loggedIn: true });
    const { store, bar, commands } = commandsWith(helper, undefined);
    const change: SessionChangedParams = {
      profile: "admin", loginSession: SESSION, expiresAt: at(15), sessionExpiresAt: at(11 * 60 + 30),
      loggedIn: true, sourceProfile: "console", roleArn: ROLE, state: "active",
    };
    await commands.onSessionChanged(change);
    assert.equal(store.value, undefined);
    await commands.onSessionChanged({ ...change, profile: "console", sourceProfile: null, roleArn: null });
    assert.equal(store.value, "console");
    assert.equal(bar.item.text, "aws: console · 11h");
  });

  it("at startup, with no profile chosen, the login profile is shown rather than a role on it", async () => {
    const helper = roleHelper({ loggedIn: true });
    const { store, bar, commands } = commandsWith(helper, undefined);
    helper.calls.length = 0;
    await commands.showSessionAtStart();
    assert.equal(store.value, "console");
    assert.equal(bar.item.text, "aws: console · 11h");
  });

  it("Logout with nothing logged in and a role profile active logs out its source", async () => {
    const helper = roleHelper({ loggedIn: false });
    const { commands } = commandsWith(helper, "admin");
    await commands.logout();
    assert.deepEqual(helper.sent("logout"), [{ profile: "console" }]);
  });

  it("Show Login Status says whose session the role is assumed with", async () => {
    const helper = roleHelper({ loggedIn: true });
    const { ui, commands } = commandsWith(helper, "admin");
    await commands.showStatus();
    const said = ui.messages().map((m) => m.text).join("\n");
    assert.match(said, new RegExp(`Profile admin: assumes ${ROLE} with the session of profile console`));
  });
});

describe("AWS: Logout says whether the refresh token was revoked", () => {
  it("says it was revoked", async () => {
    const helper = roleHelper({ loggedIn: true }, undefined, false);
    const { ui, commands } = commandsWith(helper, "console");
    assert.equal(await commands.logout(), 1);
    const said = ui.messages().find((m) => m.text.startsWith('Logged out of profile "console".'));
    assert.equal(said?.severity, "info");
    assert.match(said?.text ?? "", /AWS Sign-In revoked its refresh token: a copy of the cached login can no longer refresh\./);
  });

  it("warns with the helper's sentence when it could not be revoked", async () => {
    const problem = "The refresh token could not be revoked (AWS Sign-In could not be reached); a copy of it stays usable until 2026-11-26 19:30 UTC.";
    const helper = roleHelper({ loggedIn: true }, { removed: 1, alsoLoggedOut: [], revoked: false, revokeProblem: problem }, false);
    const { ui, commands } = commandsWith(helper, "console");
    await commands.logout();
    const said = ui.messages().find((m) => m.text.startsWith('Logged out of profile "console".'));
    assert.equal(said?.severity, "warning");
    assert.ok(said?.text.includes(problem), said?.text);
    assert.ok(!/revoked its refresh token/.test(said?.text ?? ""));
  });

  it("logging out the source of the shown role keeps the role shown, not logged in", async () => {
    const helper = roleHelper({ loggedIn: true });
    const { ui, bar, commands } = commandsWith(helper, "admin");
    await commands.refreshStatus();
    // Only the session's profile is offered: a role has no session of its own to end.
    assert.equal(await commands.logout(), 1);
    assert.deepEqual(helper.sent("logout"), [{ profile: "console" }]);
    assert.equal(ui.events.filter((e) => e.kind === "pick").length, 0);
    assert.equal(bar.item.text, "aws: admin (via console) · not logged in");
  });

  it("JupyterLab's logout sentence: revoked, or the helper's problem", () => {
    assert.equal(
      logoutMessage("console", undefined, 1, true, null),
      `Logged out of profile 'console'. ${REVOKED_TEXT} Credentials already handed out stay valid until they expire (at most 15 minutes).`,
    );
    const problem = "The refresh token could not be revoked; it stays valid until 19:30 UTC.";
    const warned = logoutMessage("console", "admin", 1, false, problem);
    assert.ok(warned.startsWith("Logged out of profile 'console' (the session profile 'admin' assumes its role with)."), warned);
    assert.ok(warned.includes(problem) && !warned.includes(REVOKED_TEXT), warned);
    // An older helper says neither: nothing claimed.
    assert.ok(!logoutMessage("console", undefined, 1, undefined, undefined).includes("revoked"));
  });
});
