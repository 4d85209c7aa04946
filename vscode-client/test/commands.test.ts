/**
 * The command logic against the REAL helper subprocess and the REAL Sign-In emulator, with
 * only VS Code's window/env faked (ScriptedUi). Each test gets its own HOME and helper.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, afterEach, before, describe, it } from "node:test";
import { BUTTONS, Commands } from "../src/commands";
import { cancelLogin, completeLogin, logout, sessionChanged, startLogin } from "../src/lsp_ext";
import {
  AwsHome,
  Emulator,
  Helper,
  MemoryStore,
  ScriptedUi,
  fakeStatusBar,
  makeAwsHome,
  signInInBrowser,
  startEmulator,
  startHelper,
  testSettings,
} from "./harness";

let emulator: Emulator;
const running: Helper[] = [];

before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});
afterEach(async () => {
  while (running.length) {
    await running.pop()!.stop();
  }
});

interface World {
  home: AwsHome;
  helper: Helper;
  ui: ScriptedUi;
  store: MemoryStore;
  bar: ReturnType<typeof fakeStatusBar>;
  commands: Commands;
  /** The URLs the "browser" was asked to open. */
  opened: string[];
  /** Verification codes the "browser" showed (to check they never reach a message). */
  codes: string[];
  identityArns: string[];
  /** Input answer: sign in on the last opened page and paste its code. */
  pasteCode: () => Promise<string>;
}

async function world(config = ""): Promise<World> {
  const home = makeAwsHome(emulator.url, config);
  const settings = testSettings(emulator.url);
  const helper = await startHelper(home, settings);
  running.push(helper);
  const ui = new ScriptedUi();
  const opened: string[] = [];
  const codes: string[] = [];
  const identityArns: string[] = [];
  ui.onOpen = (url) => {
    opened.push(url);
    return true;
  };
  const store = new MemoryStore();
  const bar = fakeStatusBar();
  const commands = new Commands({
    helper: async () => helper.connection,
    ui,
    settings: () => settings,
    store,
    statusBar: bar.controller,
  });
  // As the extension does: the helper's notifications drive the status bar.
  helper.connection.onNotification(sessionChanged, (p) => void commands.onSessionChanged(p));
  const pasteCode = async () => {
    assert.ok(opened.length > 0, "the sign-in page was opened before the code was asked for");
    const page = await signInInBrowser(opened[opened.length - 1]);
    codes.push(page.code);
    if (page.identityArn) {
      identityArns.push(page.identityArn);
    }
    return page.code;
  };
  return { home, helper, ui, store, bar, commands, opened, codes, identityArns, pasteCode };
}

/** No verification code, token or key in anything the person sees. */
function assertNoSecrets(w: World): void {
  const shown = JSON.stringify(w.ui.events.filter((e) => e.kind === "message"));
  for (const code of w.codes) {
    assert.ok(!shown.includes(code), "a verification code reached a message");
  }
  for (const f of w.home.cacheFiles()) {
    const cache = JSON.parse(fs.readFileSync(`${w.home.cacheDir}/${f}`, "utf8"));
    for (const secret of [cache.accessToken?.secretAccessKey, cache.accessToken?.sessionToken, cache.refreshToken]) {
      if (secret) {
        assert.ok(!shown.includes(secret), "a credential reached a message");
        assert.ok(!w.bar.item.text.includes(secret) && !String(w.bar.item.tooltip).includes(secret));
      }
    }
  }
}

describe("AWS: Login against the helper and the emulator", () => {
  it("new profile → region → sign-in page → wrong code comes back with the reason → success", async () => {
    const w = await world();
    let firstBox: { ignoreFocusOut?: boolean; password?: boolean } | undefined;
    w.ui
      .choose(/choose a profile/, "New profile…")
      .answerInput(/new profile/, (opts) => {
        assert.ok(opts.validate?.("bad name!"), "names with spaces or ! are refused");
        assert.equal(opts.validate?.("a.b@c+d"), undefined, "the engine's rule: dots, @ and + are fine");
        return "console-dev";
      })
      .choose(/region for profile "console-dev"/, "us-east-1")
      .answerInput(/verification code/, (opts) => {
        firstBox = opts;
        return "this-is-not-a-code";
      })
      .answerInput(/verification code/, async (opts) => {
        // The box came back, still holding the rejected value, and says why.
        assert.match(opts.prompt, /not a valid verification code/);
        assert.equal(opts.value, "this-is-not-a-code");
        assert.match(opts.validate!("this-is-not-a-code") ?? "", /not a valid verification code/);
        return w.pasteCode();
      });

    const result = await w.commands.login();

    assert.equal(w.ui.remainingSteps(), 0);
    assert.ok(result, "login returned a result");
    assert.equal(firstBox?.ignoreFocusOut, true, "the code box survives switching to the sign-in tab");
    assert.equal(firstBox?.password, true, "the one-time code is masked on screen");
    // The region QuickPick offered us-east-1 first.
    const regionPick = w.ui.events.find((e) => e.kind === "pick" && /region/.test(e.title));
    assert.ok(regionPick && regionPick.kind === "pick" && regionPick.labels[0] === "us-east-1");
    // The sign-in page was opened on the emulator, with a Copy URL offer alongside.
    assert.equal(w.opened.length, 1);
    assert.ok(w.opened[0].startsWith(`${emulator.url}/v1/authorize?`), w.opened[0]);
    const offer = w.ui.events.find((e) => e.kind === "notice");
    assert.ok(offer && offer.kind === "notice", "a notification offers Copy URL");
    assert.equal(offer.url, w.opened[0]);
    assert.ok(offer.disposed, "the offer goes away once the login is done");
    // Success: account and ARN.
    const success = w.ui.messages("info").find((m) => /^Logged in to AWS/.test(m.text));
    assert.ok(success, JSON.stringify(w.ui.events));
    assert.match(success.text, /account \d{12}/);
    assert.ok(success.text.includes(result.loginSession));
    assert.ok(result.loginSession.startsWith("arn:aws:"));
    if (w.identityArns[0]) {
      assert.equal(result.loginSession, w.identityArns[0]);
    }
    // Files: config has the profile with its login session and region; one cache file.
    const config = w.home.readConfig();
    assert.match(config, /\[profile console-dev\]/);
    assert.ok(config.includes(`login_session = ${result.loginSession}`), config);
    assert.match(config, /region = us-east-1/);
    assert.equal(w.home.cacheFiles().length, 1);
    // Status bar shows the profile and time left; the profile is now active.
    assert.match(w.bar.item.text, /^aws: console-dev · (\d+h|\d+m)$/);
    assert.equal(w.store.value, "console-dev");
    assertNoSecrets(w);
    assert.ok(!w.helper.stderr().includes(w.codes[0]), "the helper logged the verification code");
  });

  it("Show Caller Identity shows the emulator's ARN, Show Login Status reports the session, Logout clears the status bar", async () => {
    const w = await world();
    w.ui
      .choose(/choose a profile/, "New profile…")
      .answerInput(/new profile/, "console-dev")
      .choose(/region/, "us-east-1")
      .answerInput(/verification code/, () => w.pasteCode());
    const login = await w.commands.login();
    assert.ok(login);

    const arn = await w.commands.showCallerIdentity();
    assert.ok(arn);
    if (w.identityArns[0]) {
      assert.equal(arn, w.identityArns[0]);
    }
    const idMsg = w.ui.messages("info").find((m) => m.text.startsWith("AWS caller identity"));
    assert.ok(idMsg && idMsg.text.includes(arn) && idMsg.actions.includes(BUTTONS.copyArn));

    const status = await w.commands.showStatus();
    assert.equal(status?.loginSession, login.loginSession);
    assert.equal(status?.credentialSource, "login");
    const stMsg = w.ui.messages().find((m) => m.text.startsWith("Profile console-dev: logged in as"));
    assert.ok(stMsg, JSON.stringify(w.ui.messages()));

    const removed = await w.commands.logout();
    assert.equal(removed, 1);
    assert.equal(w.home.cacheFiles().length, 0);
    assert.equal(w.bar.item.text, "aws: not logged in");
    assert.match(w.home.readConfig(), /\[profile console-dev\]/, "logout keeps the profile for a later login");
    // Asking who we are now says "not logged in", with a Login button.
    w.ui.onMessage(/not logged in/, undefined);
    assert.equal(await w.commands.showCallerIdentity(), undefined);
    const notLogged = w.ui.messages("warning").find((m) => /not logged in/.test(m.text));
    assert.ok(notLogged && notLogged.actions.includes(BUTTONS.login));
    assertNoSecrets(w);
  });

  it("a profile with other credentials: a clear choice, then another name", async () => {
    const original = "[profile keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = not-a-real-secret\n";
    const w = await world(original);
    w.ui
      .chooseOrCreate(/choose a profile/, "keys")
      .onMessage(/already uses/, BUTTONS.pickAnotherName)
      .answerInput(/new profile/, (opts) => {
        assert.ok(opts.validate?.("keys"), "the conflicting name is refused");
        return "console-2";
      })
      .choose(/region for profile "console-2"/, "eu-west-1")
      .answerInput(/verification code/, () => w.pasteCode());
    const result = await w.commands.login();
    assert.ok(result);
    const conflict = w.ui.messages("warning").find((m) => /already uses/.test(m.text));
    assert.ok(conflict?.modal, "the conflict is a modal choice");
    assert.match(conflict.text, /already uses access keys/);
    assert.ok(conflict.actions.includes(BUTTONS.pickAnotherName));
    const config = w.home.readConfig();
    assert.ok(config.includes(original.trim().split("\n")[1]), "the keys profile is untouched");
    assert.match(config, /\[profile console-2\][^[]*region = eu-west-1/);
  });

  it("a profile with other credentials: cancel writes nothing", async () => {
    const original = "[profile sso]\nsso_account_id = 111122223333\nsso_role_name = Dev\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nregion = us-east-1\n";
    const w = await world(original);
    w.ui.chooseOrCreate(/choose a profile/, "sso").onMessage(/already uses/, undefined);
    assert.equal(await w.commands.login(), undefined);
    assert.equal(w.ui.remainingSteps(), 0);
    assert.equal(w.home.readConfig(), original);
    assert.equal(w.home.cacheFiles().length, 0);
    assert.equal(w.opened.length, 0);
  });

  it("a different existing session: modal Replace? — declining keeps it, accepting replaces it", async () => {
    const other = "arn:aws:sts::999988887777:assumed-role/Other/someone-else";
    const original = `[profile shared]\nregion = us-west-2\nlogin_session = ${other}\n`;
    const w = await world(original);
    w.ui
      .chooseOrCreate(/choose a profile/, "shared")
      .answerInput(/verification code/, () => w.pasteCode())
      .onMessage(/Replace the AWS session/, undefined);
    assert.equal(await w.commands.login(), undefined);
    const ask = w.ui.messages("warning").find((m) => /Replace the AWS session of profile "shared"/.test(m.text));
    assert.ok(ask?.modal && ask.actions.includes(BUTTONS.replace), JSON.stringify(w.ui.messages()));
    assert.equal(w.home.readConfig(), original, "declining wrote nothing");
    assert.equal(w.home.cacheFiles().length, 0);

    const w2 = await world(original);
    w2.ui
      .chooseOrCreate(/choose a profile/, "shared")
      .answerInput(/verification code/, () => w2.pasteCode())
      .onMessage(/Replace the AWS session/, BUTTONS.replace);
    const result = await w2.commands.login();
    assert.ok(result, JSON.stringify(w2.ui.events));
    assert.ok(!w2.home.readConfig().includes(other));
    assert.ok(w2.home.readConfig().includes(`login_session = ${result.loginSession}`));
    assert.match(w2.home.readConfig(), /region = us-west-2/, "the existing region is kept, none asked");
    assert.ok(!w2.ui.events.some((e) => e.kind === "pick" && /region/.test(e.title)));
  });

  it("a code from an earlier attempt is refused and the box comes back; a lapsed attempt offers to sign in again", async () => {
    const w = await world();
    // First, an attempt whose code we keep but never use.
    const first = await w.helper.connection.sendRequest(startLogin, { profile: "p1", region: "us-east-1", endpointUrl: emulator.url });
    const staleCode = (await signInInBrowser(first.authorizeUrl)).code;
    await w.helper.connection.sendRequest(cancelLogin, { loginId: first.loginId });

    w.ui
      .choose(/choose a profile/, "New profile…")
      .answerInput(/new profile/, "p1")
      .choose(/region/, "us-east-1")
      .answerInput(/verification code/, staleCode)
      .answerInput(/verification code/, async (opts) => {
        assert.match(opts.prompt, /another sign-in attempt/);
        // The person waits too long: the attempt is gone (cancelled under us).
        const pending = w.helper.starts[w.helper.starts.length - 1];
        await w.helper.raw.sendRequest(cancelLogin, { loginId: pending.loginId });
        return w.pasteCode();
      })
      .onMessage(/no longer open/, BUTTONS.signInAgain)
      .answerInput(/verification code/, () => w.pasteCode());
    const result = await w.commands.login();
    assert.ok(result, JSON.stringify(w.ui.events, null, 1));
    assert.equal(w.opened.length, 2, "signing in again opened a fresh sign-in page");
    assert.equal(w.ui.remainingSteps(), 0);
  });

  it("dismissing the code box cancels the pending login", async () => {
    const w = await world();
    w.ui.choose(/choose a profile/, "New profile…").answerInput(/new profile/, "p2").choose(/region/, "us-east-1").answerInput(/verification code/, undefined);
    assert.equal(await w.commands.login(), undefined);
    const loginId = w.helper.starts[0].loginId;
    await assert.rejects(
      w.helper.connection.sendRequest(completeLogin, { loginId, code: "eA==" }),
      (e: { data?: { kind?: string } }) => e.data?.kind === "UnknownLogin",
    );
    assert.equal(w.home.readConfig().includes("login_session"), false);
  });
});

describe("service failures, the status menu and status details", () => {
  async function addFault(fault: Record<string, unknown>): Promise<void> {
    const r = await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault),
    });
    assert.equal(r.status, 200, await r.text());
  }

  it("missing SignInLocalDevelopmentAccess: one clear error, nothing written", async () => {
    const w = await world();
    w.ui
      .choose(/choose a profile/, "New profile…")
      .answerInput(/new profile/, "noperm")
      .choose(/region/, "us-east-1")
      .answerInput(/verification code/, async () => {
        const code = await w.pasteCode();
        await addFault({ target: "authorization_code", status: 403, error: "INSUFFICIENT_PERMISSIONS" });
        return code;
      });
    assert.equal(await w.commands.login(), undefined);
    const errors = w.ui.messages("error");
    assert.equal(errors.length, 1, JSON.stringify(w.ui.events));
    assert.match(errors[0].text, /SignInLocalDevelopmentAccess/);
    assert.equal(w.home.readConfig().includes("login_session"), false);
    assert.equal(w.home.cacheFiles().length, 0);
  });

  it("an expired authorization code offers to sign in again, which then succeeds", async () => {
    const w = await world();
    w.ui
      .choose(/choose a profile/, "New profile…")
      .answerInput(/new profile/, "retry")
      .choose(/region/, "us-east-1")
      .answerInput(/verification code/, async () => {
        const code = await w.pasteCode();
        await addFault({ target: "authorization_code", status: 401, error: "AUTHCODE_EXPIRED" });
        return code;
      })
      .onMessage(/expired or was already used/, BUTTONS.signInAgain)
      .answerInput(/verification code/, () => w.pasteCode());
    const result = await w.commands.login();
    assert.ok(result, JSON.stringify(w.ui.events));
    assert.equal(w.opened.length, 2);
    const regionPicks = w.ui.events.filter((e) => e.kind === "pick" && /region/.test(e.title));
    assert.equal(regionPicks.length, 1, "signing in again keeps the region chosen the first time");
  });

  it("the status bar's menu offers Login/Status/Identity/Switch (and Logout when logged in)", async () => {
    const w = await world();
    await w.commands.refreshStatus();
    w.ui.choose(/AWS Login \(profile default\)/, "Show Login Status");
    await w.commands.statusMenu();
    const menu = w.ui.events.find((e) => e.kind === "pick");
    assert.ok(menu && menu.kind === "pick");
    assert.deepEqual(menu.labels.map((l) => l.replace(/^\$\([a-z-]+\)\s*/, "")), [
      "Login…",
      "Show Login Status",
      "Show Caller Identity",
      "Switch Profile…",
    ]);
    const status = w.ui.messages().find((m) => m.text.startsWith("Profile default: not logged in"));
    assert.ok(status, JSON.stringify(w.ui.messages()));
    assert.ok(status.actions.includes(BUTTONS.login));
  });

  it("Show Login Status says when another credential source wins", async () => {
    const w = await world();
    w.ui
      .choose(/choose a profile/, "New profile…")
      .answerInput(/new profile/, "shadowed")
      .choose(/region/, "us-east-1")
      .answerInput(/verification code/, () => w.pasteCode());
    assert.ok(await w.commands.login());
    await w.helper.stop();
    // The same files, but the helper now runs with keys in its environment.
    w.home.env.AWS_ACCESS_KEY_ID = "AKIAEXAMPLEEXAMPLE12";
    w.home.env.AWS_SECRET_ACCESS_KEY = "not-a-real-secret";
    const shadowedHelper = await startHelper(w.home, testSettings(emulator.url));
    running.push(shadowedHelper);
    const commands = new Commands({
      helper: async () => shadowedHelper.connection,
      ui: w.ui,
      settings: () => testSettings(emulator.url),
      store: w.store,
      statusBar: w.bar.controller,
    });
    const s = await commands.showStatus();
    assert.equal(s?.credentialSource, "env");
    const warning = w.ui.messages("warning").find((m) => m.text.startsWith("Profile shadowed: logged in"));
    assert.ok(warning, JSON.stringify(w.ui.messages()));
    assert.match(warning.text, /'env'/);
    assert.ok(!warning.text.includes("not-a-real-secret"));
  });
});

describe("status bar follows awsLogin/sessionChanged", () => {
  it("shows a login made by another process (e.g. a terminal) and its logout", async () => {
    const w = await world();
    await w.commands.refreshStatus();
    assert.equal(w.bar.item.text, "aws: not logged in");
    // "The terminal": a second helper process on the same files logs in profile term.
    const other = await startHelper(w.home, testSettings(emulator.url));
    running.push(other);
    const start = await other.connection.sendRequest(startLogin, { profile: "term", region: "us-east-1", endpointUrl: emulator.url });
    const { code } = await signInInBrowser(start.authorizeUrl);
    await other.connection.sendRequest(completeLogin, { loginId: start.loginId, code });

    await w.helper.waitForNotification((p) => p.profile === "term" && (p.state === "active" || p.state === "refreshed"));
    await waitFor(() => /^aws: term · /.test(w.bar.item.text), () => w.bar.item.text);
    assert.equal(w.store.value, "term");

    await other.connection.sendRequest(logout, { profile: "term" });
    await w.helper.waitForNotification((p) => p.profile === "term" && p.state === "loggedOut");
    await waitFor(() => w.bar.item.text === "aws: not logged in", () => w.bar.item.text);
  });

  it("Switch Profile lists profiles and shows the chosen one's session", async () => {
    const w = await world("[profile alpha]\nregion = us-east-1\n[profile beta]\nregion = eu-west-1\n");
    for (const name of ["alpha", "beta"]) {
      w.ui.chooseOrCreate(/choose a profile/, name).answerInput(/verification code/, () => w.pasteCode());
      assert.ok(await w.commands.login(), JSON.stringify(w.ui.events));
      assert.match(w.bar.item.text, new RegExp(`^aws: ${name} · `));
    }
    assert.equal(w.ui.remainingSteps(), 0);
    assert.ok(!w.ui.events.some((e) => e.kind === "pick" && /region/.test(e.title)), "both profiles had a region");
    w.ui.choose(/Switch Profile/, "alpha");
    assert.equal(await w.commands.switchProfile(), "alpha");
    assert.match(w.bar.item.text, /^aws: alpha · \d+h$/);
    const pick = w.ui.events.find((e) => e.kind === "pick" && /Switch Profile/.test(e.title));
    assert.ok(pick && pick.kind === "pick" && pick.labels.includes("alpha") && pick.labels.includes("beta"));
    // Both profiles signed in as the same console session, so they share one cache file
    // (it is keyed by the session ARN): logging out one logs out both, as with the AWS CLI.
    w.ui.choose(/AWS Logout/, "alpha");
    assert.equal(await w.commands.logout(), 1);
    assert.equal(w.bar.item.text, "aws: not logged in");
    // ...and the person is told so.
    const said = w.ui.messages("info").find((m) => m.text.startsWith('Logged out of profile "alpha".'));
    assert.ok(said && said.text.includes('Also logged out: "beta" (same console session'), JSON.stringify(w.ui.messages()));
    w.ui.choose(/Switch Profile/, "beta");
    await w.commands.switchProfile();
    assert.equal(w.bar.item.text, "aws: not logged in");
  });
});

async function waitFor(cond: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) {
      assert.fail(`timed out; last: ${what()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
