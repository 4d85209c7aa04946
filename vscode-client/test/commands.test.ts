/**
 * The command logic against the REAL helper subprocess and the REAL Sign-In emulator, with
 * only VS Code's window/env faked (ScriptedUi). Each test gets its own HOME and helper.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUTTONS, Commands } from "../src/commands";
import { cancelLogin, completeLogin, startLogin } from "../src/lsp_ext";
import { signInInBrowser, testSettings } from "./harness";
import { Lab, assertNoSecrets } from "./world";

const lab = new Lab();

describe("AWS: Login against the helper and the emulator", () => {
  it("new profile → region → sign-in page → wrong code comes back with the reason → success", async () => {
    const w = await lab.world();
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
    assert.ok(w.opened[0].startsWith(`${lab.url}/v1/authorize?`), w.opened[0]);
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
    const w = await lab.world();
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

    // The profile pickers show each profile's region and whether it is logged in.
    const described = async (): Promise<string | undefined> => {
      w.ui.choose(/Switch Profile/, "console-dev");
      await w.commands.switchProfile();
      const pick = w.ui.events.filter((e) => e.kind === "pick").pop();
      assert.ok(pick && pick.kind === "pick");
      return pick.descriptions[pick.labels.indexOf("console-dev")];
    };
    assert.match((await described()) ?? "", /^\(active\) logged in · \d+h left · us-east-1$/);

    const removed = await w.commands.logout();
    assert.equal(removed, 1);
    assert.equal(w.home.cacheFiles().length, 0);
    assert.equal(w.bar.item.text, "aws: not logged in");
    assert.equal(await described(), "(active) not logged in · us-east-1");
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
    const w = await lab.world(original);
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
    const w = await lab.world(original);
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
    const w = await lab.world(original);
    w.ui
      .chooseOrCreate(/choose a profile/, "shared")
      .answerInput(/verification code/, () => w.pasteCode())
      .onMessage(/Replace the AWS session/, undefined);
    assert.equal(await w.commands.login(), undefined);
    const ask = w.ui.messages("warning").find((m) => /Replace the AWS session of profile "shared"/.test(m.text));
    assert.ok(ask?.modal && ask.actions.includes(BUTTONS.replace), JSON.stringify(w.ui.messages()));
    assert.equal(w.home.readConfig(), original, "declining wrote nothing");
    assert.equal(w.home.cacheFiles().length, 0);

    const w2 = await lab.world(original);
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
    const w = await lab.world();
    // First, an attempt whose code we keep but never use.
    const first = await w.helper.connection.sendRequest(startLogin, { profile: "p1", region: "us-east-1", endpointUrl: lab.url });
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
    const w = await lab.world();
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
    const r = await fetch(`${lab.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault),
    });
    assert.equal(r.status, 200, await r.text());
  }

  it("missing SignInLocalDevelopmentAccess: one clear error, nothing written", async () => {
    const w = await lab.world();
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
    const w = await lab.world();
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
    const w = await lab.world();
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
    const w = await lab.world();
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
    const shadowedHelper = await lab.helper(w.home);
    const commands = new Commands({
      helper: async () => shadowedHelper.connection,
      ui: w.ui,
      settings: () => testSettings(lab.url),
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
