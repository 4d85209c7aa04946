/**
 * Waking with the editor: the AWS config file is read in the extension host (no Python), the
 * helper starts only when a profile uses console sign-in, and a login that appears later
 * wakes it. Cold activation with no AWS configuration must start no process at all: every
 * way Node starts one is counted.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { CONFIG_READ_CAP, awsConfigPath, loginProfiles } from "../src/awsConfigScan";
import { wakeUp } from "../src/startup";
import { tempDir } from "./harness";
import { ProcessSpy, spyOnProcesses } from "./processSpy";
import { until } from "./wait";
import { posixOnly } from "./platformMarks";


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

  it("a config that is a named pipe: the status bar says so at once; a real file then wakes the helper", { timeout: 10_000, ...posixOnly("mkfifo") }, async () => {
    const home = tempDir("pipe");
    const configPath = awsConfigPath({}, home);
    fs.mkdirSync(path.dirname(configPath), { recursive: true });
    // Made before the spy is asked: what counts is that activation itself starts nothing.
    execFileSync("mkfifo", [configPath]);
    spy.started.length = 0;
    let helperStarts = 0;
    let noLogin = 0;
    const problems: string[] = [];
    const s = wakeUp({
      configPath,
      startHelper: async () => void (helperStarts += 1),
      showNoLogin: () => (noLogin += 1),
      showConfigProblem: (message) => problems.push(message),
      watchIntervalMs: 50,
    });
    try {
      assert.equal(await s.ready, "watching");
      assert.deepEqual(problems, [`${configPath} is a named pipe, not a regular file, so AWS Login does not read it: replace it with a regular file, or set AWS_CONFIG_FILE to one.`]);
      assert.equal(noLogin, 0);
      fs.rmSync(configPath);
      fs.writeFileSync(configPath, `[profile after]\nlogin_session = arn:aws:sts::123456789012:assumed-role/Dev/me\n`);
      await until(() => helperStarts > 0);
      assert.equal(problems.length, 1);
      assert.deepEqual(spy.started, [], "no process was started");
    } finally {
      s.dispose();
      // Lets go of a reader still waiting for a writer (the old way of reading it).
      try {
        fs.closeSync(fs.openSync(configPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // No reader is waiting.
      }
    }
  });

  it("a config over 4 MiB is not parsed, and the status bar says so until the file is fixed", async () => {
    const home = tempDir("huge");
    const configPath = awsConfigPath({}, home);
    fs.mkdirSync(path.dirname(configPath), { recursive: true });
    const login = "[default]\nlogin_session = arn:aws:sts::123456789012:assumed-role/Dev/me\n";
    fs.writeFileSync(configPath, login + "#".repeat(CONFIG_READ_CAP));
    let helperStarts = 0;
    let noLogin = 0;
    const problems: string[] = [];
    const s = wakeUp({
      configPath,
      startHelper: async () => void (helperStarts += 1),
      showNoLogin: () => (noLogin += 1),
      showConfigProblem: (message) => problems.push(message),
      watchIntervalMs: 50,
    });
    try {
      assert.equal(await s.ready, "watching");
      assert.equal(helperStarts, 0, "the login profile in an oversized file was not read");
      assert.deepEqual(problems, [`${configPath} is larger than 4 MiB, so AWS Login does not read it: remove the profiles you no longer use, or set AWS_CONFIG_FILE to a smaller file.`]);
      // Fixed, but no login yet: the status bar no longer blames the file.
      fs.writeFileSync(configPath, "[default]\nregion = eu-west-1\n");
      await until(() => noLogin > 0);
      assert.equal(problems.length, 1);
      fs.writeFileSync(configPath, login);
      await until(() => helperStarts > 0);
      assert.equal(noLogin, 1);
    } finally {
      s.dispose();
    }
  });
});
