/**
 * Issue 19 through the REAL helper and the emulator: a role profile (`role_arn` +
 * `source_profile`) is logged in through its source and shown with it; AWS: Logout says that
 * AWS Sign-In revoked the refresh token, and, when the revoke is refused, warns with the
 * helper's one sentence while still logging out (the cache file is gone).
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loginThroughHelper } from "./harness";
import { Lab, waitFor } from "./world";

const lab = new Lab();

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${lab.url}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  assert.equal(r.status, 200, await r.text());
}

describe("AWS: Logout and the revoke, through the real helper", () => {
  it("says the refresh token was revoked; a refused revoke is a warning with the helper's sentence", async () => {
    const w = await lab.world();
    await loginThroughHelper(w.helper.connection, lab.url, "dev");
    await w.store.set("dev");
    assert.equal(await w.commands.logout(), 1);
    const revoked = w.ui.messages().find((m) => m.text.startsWith('Logged out of profile "dev".'));
    assert.equal(revoked?.severity, "info", JSON.stringify(w.ui.messages()));
    assert.match(revoked?.text ?? "", /AWS Sign-In revoked its refresh token/);
    assert.deepEqual(w.home.cacheFiles(), []);

    await loginThroughHelper(w.helper.connection, lab.url, "dev");
    await addFault({ target: "revoke", status: 500, count: 5 });
    assert.equal(await w.commands.logout(), 1);
    const refused = w.ui.messages().filter((m) => m.text.startsWith('Logged out of profile "dev".'))[1];
    assert.equal(refused?.severity, "warning", JSON.stringify(w.ui.messages()));
    assert.ok(!/revoked its refresh token/.test(refused.text), refused.text);
    assert.match(refused.text, /The refresh token was not revoked \(.+\), so a copy of the cache file can still refresh until /);
    assert.deepEqual(w.home.cacheFiles(), [], "logged out locally all the same");
  });
});

const ROLE = "arn:aws:iam::222222222222:role/Admin";
const CHAINED = `[profile console]\nregion = us-east-1\n[profile admin]\nrole_arn = ${ROLE}\nsource_profile = console\n`;

describe("a role profile through the real helper", () => {
  it("AWS: Login on admin signs in console; admin stays active and shows console's session", async () => {
    const w = await lab.world(CHAINED);
    await w.store.set("admin");
    await w.commands.refreshStatus();
    assert.equal(w.bar.item.text, "aws: admin (via console) · not logged in");
    w.ui.choose(/choose a profile/, "admin").answerInput(/verification code for profile "console"/, () => w.pasteCode());
    const done = await w.commands.login();
    assert.equal(done?.profile, "console", JSON.stringify(w.ui.events));
    assert.equal(w.store.value, "admin");
    assert.match(w.bar.item.text, /^aws: admin \(via console\) · \d+h$/);
    const tooltip = String(w.bar.item.tooltip);
    assert.ok(tooltip.includes(`Role: ${ROLE}`) && tooltip.includes("Session of profile console: arn:aws:sts::"), tooltip);
    // The config: console got the login session; admin is unchanged.
    const config = w.home.readConfig();
    assert.ok(config.includes(`[profile admin]\nrole_arn = ${ROLE}\nsource_profile = console\n`), config);
    assert.match(config, /\[profile console\]\nregion = us-east-1\nlogin_session = arn:aws:sts::/);
    // Logging out the source leaves the role shown, not logged in.
    assert.equal(await w.commands.logout(), 1);
    await waitFor(() => w.bar.item.text === "aws: admin (via console) · not logged in", () => w.bar.item.text);
    assert.equal(w.store.value, "admin");
  });
});
