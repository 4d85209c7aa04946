/**
 * Waking with the editor: the AWS config file is read in the extension host (no Python), the
 * helper starts only when a profile uses console sign-in, and a login that appears later
 * wakes it. Cold activation with no AWS configuration must start no process at all: every
 * way Node starts one is counted.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { awsConfigPath, loginProfiles } from "../src/awsConfigScan";
import { wakeUp } from "../src/startup";
import { tempDir } from "./harness";
import { ProcessSpy, spyOnProcesses } from "./processSpy";
import { until } from "./wait";


describe("the AWS config file, read without Python", () => {
  it("finds the profiles that use console sign-in", () => {
    const text = [
      "\uFEFF# comment",
      "[default]",
      "region = us-east-1",
      "[profile console-dev]",
      "Login_Session = arn:aws:sts::123456789012:assumed-role/Dev/me",
      "[profile keys]",
      "aws_access_key_id = AKIAEXAMPLE",
      "  login_session = nested value, not a key",
      "[sso-session corp]",
      "login_session = arn:aws:sts::1:x",
      "[profile  spaced ]\r",
      "login_session: arn:aws:sts::123456789012:assumed-role/Dev/you\r",
      "[profile empty]",
      "login_session =",
    ].join("\n");
    assert.deepEqual(loginProfiles(text), ["console-dev", "spaced"]);
    assert.deepEqual(loginProfiles("\uFEFF[default]\nlogin_session = arn:aws:sts::1:x\n"), ["default"]);
    assert.deepEqual(loginProfiles(""), []);
  });

  it("honours AWS_CONFIG_FILE, with ~ expanded", () => {
    assert.equal(awsConfigPath({}, "/home/me"), path.join("/home/me", ".aws", "config"));
    assert.equal(awsConfigPath({ AWS_CONFIG_FILE: "/etc/aws.ini" }, "/home/me"), "/etc/aws.ini");
    assert.equal(awsConfigPath({ AWS_CONFIG_FILE: "~/cfg/aws" }, "/home/me"), path.join("/home/me", "cfg", "aws"));
  });
});

describe("activation on startup", () => {
  let spy: ProcessSpy;
  beforeEach(() => {
    spy = spyOnProcesses();
  });
  afterEach(() => spy.restore());

  it("with no AWS configuration starts no process, then wakes when a login appears", async () => {
    const home = tempDir("cold");
    const configPath = awsConfigPath({}, home);
    let helperStarts = 0;
    let shown = 0;
    const looks: string[][] = [];
    const s = wakeUp({
      configPath,
      startHelper: async () => void (helperStarts += 1),
      showNoLogin: () => (shown += 1),
      watchIntervalMs: 50,
      onLook: (profiles) => looks.push(profiles),
    });
    try {
      assert.equal(await s.ready, "watching");
      assert.equal(shown, 1);
      // A config without console sign-in changes nothing either.
      fs.mkdirSync(path.dirname(configPath), { recursive: true });
      fs.writeFileSync(configPath, "[default]\nregion = eu-west-1\n");
      // (A write can be seen twice: the new empty file, then its content.)
      await until(() => looks.length >= 2 && fs.statSync(configPath).size > 0);
      assert.ok(looks.every((p) => p.length === 0), JSON.stringify(looks));
      assert.equal(helperStarts, 0);
      // A login made elsewhere (a terminal, a notebook) wakes the helper.
      fs.writeFileSync(configPath, "[profile nb]\nlogin_session = arn:aws:sts::123456789012:assumed-role/Dev/me\n");
      await until(() => helperStarts > 0);
      assert.deepEqual(looks[looks.length - 1], ["nb"]);
      assert.equal(helperStarts, 1);
      assert.deepEqual(spy.started, [], "no process was started");
    } finally {
      s.dispose();
    }
  });

  it("with a login profile starts the helper at once, and only once", async () => {
    const home = tempDir("warm");
    const configPath = awsConfigPath({}, home);
    fs.mkdirSync(path.dirname(configPath), { recursive: true });
    fs.writeFileSync(configPath, "[default]\nlogin_session = arn:aws:sts::123456789012:assumed-role/Dev/me\n");
    let helperStarts = 0;
    let shown = 0;
    const s = wakeUp({ configPath, startHelper: async () => void (helperStarts += 1), showNoLogin: () => (shown += 1), watchIntervalMs: 50 });
    try {
      assert.equal(await s.ready, "started");
      fs.appendFileSync(configPath, "[profile two]\nlogin_session = arn:aws:sts::123456789012:assumed-role/Dev/two\n");
      assert.equal(helperStarts, 1);
      assert.equal(shown, 0);
    } finally {
      s.dispose();
    }
  });
});
