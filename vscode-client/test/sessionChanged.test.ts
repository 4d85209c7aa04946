/** The status bar follows `awsLogin/sessionChanged`: logins and logouts made anywhere. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { completeLogin, logout, startLogin } from "../src/lsp_ext";
import { signInInBrowser } from "./harness";
import { Lab, waitFor } from "./world";

const lab = new Lab();

describe("status bar follows awsLogin/sessionChanged", () => {
  it("shows a login made by another process (e.g. a terminal) and its logout", async () => {
    const w = await lab.world();
    await w.commands.refreshStatus();
    assert.equal(w.bar.item.text, "aws: not logged in");
    // "The terminal": a second helper process on the same files logs in profile term.
    const other = await lab.helper(w.home);
    const start = await other.connection.sendRequest(startLogin, { profile: "term", region: "us-east-1", endpointUrl: lab.url });
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
    const w = await lab.world("[profile alpha]\nregion = us-east-1\n[profile beta]\nregion = eu-west-1\n");
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
