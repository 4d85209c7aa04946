/**
 * What the status bar shows when the helper starts at startup, against the REAL helper: a
 * profile logged in before the editor opened (here through the helper, as the CLI would) is
 * shown when the person never chose one; a chosen profile stays, logged in or not.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Commands } from "../src/commands";
import { MemoryStore, ScriptedUi, fakeStatusBar, loginThroughHelper, makeAwsHome, testSettings } from "./harness";
import { Lab } from "./world";

const lab = new Lab();

describe("the status bar at startup", () => {
  it("shows a login made elsewhere unless the person chose another profile", async () => {
    const home = makeAwsHome(lab.url, "[profile other]\nregion = eu-west-1\n");
    const settings = testSettings(lab.url);
    const helper = await lab.helper(home);
    await loginThroughHelper(helper.connection, lab.url, "cli-dev");

    const fresh = (store: MemoryStore) => {
      const bar = fakeStatusBar();
      const commands = new Commands({
        helper: async () => helper.connection, ui: new ScriptedUi(), settings: () => settings, store, statusBar: bar.controller,
      });
      return { bar, commands };
    };

    const unchosen = new MemoryStore();
    const a = fresh(unchosen);
    await a.commands.showSessionAtStart();
    assert.match(a.bar.item.text, /^aws: cli-dev · 1[12]h$/);
    assert.equal(unchosen.get(), "cli-dev");

    const chosen = new MemoryStore();
    await chosen.set("other");
    const b = fresh(chosen);
    await b.commands.showSessionAtStart();
    assert.equal(b.bar.item.text, "aws: not logged in");
    assert.equal(chosen.get(), "other");
  });
});
