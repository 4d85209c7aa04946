/**
 * Issue 19 through the REAL helper and the emulator: AWS: Logout says that AWS Sign-In
 * revoked the refresh token, and, when the revoke is refused, warns with the helper's one
 * sentence while still logging out (the cache file is gone).
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loginThroughHelper } from "./harness";
import { Lab } from "./world";

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
