/** The small pure parts: status bar text and colour, settings, helper command. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { helperLaunch, readSettings, validateProfileName } from "../src/config";
import { PythonLauncher, safePathSwitches } from "../src/pythonLaunch";
import { HelperError, toHelperError } from "../src/lsp_ext";
import { ResponseError } from "vscode-jsonrpc";
import { formatTimeLeft, render } from "../src/statusBar";
import { fakeStatusBar, tempDir } from "./harness";

const NOW = new Date("2026-11-26T08:00:00Z");
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
const SESSION = "arn:aws:sts::123456789012:assumed-role/Developer/console-session";

describe("status bar", () => {
  it("shows profile and hours left", () => {
    const r = render({ profile: "console-dev", loginSession: SESSION, sessionExpiresAt: at(11 * 60 + 40), loggedIn: true }, NOW);
    assert.equal(r.text, "aws: console-dev · 11h");
    assert.equal(r.level, "normal");
    assert.match(r.tooltip, /123456789012/);
  });

  it("turns to the warning colour in the last 15 minutes", () => {
    const { item, controller } = fakeStatusBar(() => NOW);
    controller.update({ profile: "p", loginSession: SESSION, expiresAt: at(16), loggedIn: true });
    assert.equal(item.text, "aws: p · 16m");
    assert.equal(item.backgroundColor, undefined);
    controller.update({ profile: "p", loginSession: SESSION, expiresAt: at(15), loggedIn: true });
    assert.equal(item.text, "aws: p · 15m");
    assert.equal(item.backgroundColor, "WARNING");
    controller.update({ profile: "p", loginSession: SESSION, expiresAt: at(0.5), loggedIn: true });
    assert.equal(item.text, "aws: p · <1m");
    assert.equal(item.command, "awsLogin.statusMenu");
    assert.ok(item.visible);
  });

  it("prefers the session's end over the credentials' expiry", () => {
    const r = render({ profile: "p", loginSession: SESSION, expiresAt: at(14), sessionExpiresAt: at(600), loggedIn: true }, NOW);
    assert.equal(r.text, "aws: p · 10h");
    assert.equal(r.level, "normal");
  });

  it("shows expired and logged-out states", () => {
    const { item, controller } = fakeStatusBar(() => NOW);
    controller.update({ profile: "p", loginSession: SESSION, expiresAt: at(-1), loggedIn: true });
    assert.equal(item.text, "aws: p · expired");
    assert.equal(item.backgroundColor, "ERROR");
    controller.update({ profile: "p", loginSession: SESSION, state: "expired", loggedIn: false });
    assert.equal(item.text, "aws: p · expired");
    controller.update({ profile: "p", loginSession: null, state: "loggedOut", loggedIn: false });
    assert.equal(item.text, "aws: not logged in");
    assert.equal(item.backgroundColor, undefined);
    assert.equal(controller.isLoggedIn(), false);
  });

  it("merges a refresh into what it shows", () => {
    const { item, controller } = fakeStatusBar(() => NOW);
    controller.update({ profile: "p", loginSession: SESSION, accountId: "123456789012", expiresAt: at(5), loggedIn: true });
    controller.merge({ profile: "p", loginSession: SESSION, expiresAt: at(120), state: "refreshed", loggedIn: true });
    assert.equal(item.text, "aws: p · 2h");
    assert.equal(controller.current?.accountId, "123456789012");
  });

  it("shows a problem instead of a session until the next update; its click runs the fix", () => {
    const { item, controller } = fakeStatusBar(() => NOW);
    controller.update({ profile: "p", loginSession: SESSION, expiresAt: at(60), loggedIn: true });
    controller.setProblem("aws: helper missing", "AWS Login needs its helper. Click to install it.", "awsLogin.setUpHelper");
    assert.deepEqual([item.text, item.tooltip, item.command, item.backgroundColor], [
      "aws: helper missing", "AWS Login needs its helper. Click to install it.", "awsLogin.setUpHelper", "WARNING",
    ]);
    controller.render();
    assert.equal(item.text, "aws: helper missing", "the minute timer keeps it");
    controller.setProblem("aws: config not read", "~/.aws/config is over 1 MiB; AWS Login did not read it.");
    assert.equal(item.command, "awsLogin.statusMenu", "no fix: the click opens the menu");
    controller.update({ profile: "p", loginSession: SESSION, expiresAt: at(60), loggedIn: true });
    assert.deepEqual([item.text, item.command, controller.shownProblem], ["aws: p · 1h", "awsLogin.statusMenu", undefined]);
  });

  it("formats time left", () => {
    assert.equal(formatTimeLeft(12 * 3600_000), "12h");
    assert.equal(formatTimeLeft(3600_000), "1h");
    assert.equal(formatTimeLeft(59 * 60_000 + 59_000), "59m");
    assert.equal(formatTimeLeft(30_000), "<1m");
  });
});

describe("settings and helper command", () => {
  it("reads settings with defaults", () => {
    const s = readSettings((k) => ({ pythonPath: " /opt/py/bin/python ", defaultRegion: "" })[k]);
    assert.deepEqual(s, { pythonPath: "/opt/py/bin/python", defaultProfile: "", defaultRegion: "us-east-1", endpointUrl: "" });
  });

  it("runs <python> -m aws_login_bridge serve with the endpoint override, in its own folder", () => {
    const s = { ...readSettings(() => undefined), endpointUrl: "http://127.0.0.1:9999" };
    const work = path.join(tempDir("units"), "global storage");
    const launcher = new PythonLauncher(work, { PATH: "/usr/bin" });
    const cmd = helperLaunch({ argv: ["/venv/bin/python"], own: false, version: [3, 12, 1] }, s, launcher);
    assert.equal(cmd.command, "/venv/bin/python");
    assert.deepEqual(cmd.args, ["-P", "-u", "-m", "aws_login_bridge", "serve"]);
    assert.equal(cmd.cwd, work);
    assert.ok(fs.statSync(work).isDirectory(), "the working folder is made");
    assert.equal(cmd.env.AWS_ENDPOINT_URL_SIGNIN, "http://127.0.0.1:9999");
    assert.equal(cmd.env.AWS_ENDPOINT_URL_STS, "http://127.0.0.1:9999");
    assert.equal(cmd.env.PATH, "/usr/bin");
    assert.equal(cmd.env.PYTHONSAFEPATH, "1");
    const plainCmd = helperLaunch({ argv: ["python3"], own: false }, readSettings(() => undefined), launcher);
    assert.equal(plainCmd.env.AWS_ENDPOINT_URL_SIGNIN, undefined);
  });

  it("keeps the working folder off sys.path: -I for the private environment, -P from 3.11, the variable for the rest", () => {
    assert.deepEqual(safePathSwitches({ argv: ["/s/helper-venv/bin/python"], own: true }), ["-I"]);
    assert.deepEqual(safePathSwitches({ argv: ["/usr/bin/python3"], own: false, version: [3, 11, 0] }), ["-P"]);
    assert.deepEqual(safePathSwitches({ argv: ["/usr/bin/python3"], own: false, version: [4, 0, 0] }), ["-P"]);
    // 3.10 has no -P (it would refuse to start); an unprobed Python's version is unknown.
    assert.deepEqual(safePathSwitches({ argv: ["/usr/bin/python3.10"], own: false, version: [3, 10, 12] }), []);
    assert.deepEqual(safePathSwitches({ argv: ["py", "-3"], own: false }), []);
    const launch = new PythonLauncher(tempDir("units"), {}).launch({ argv: ["py", "-3"], own: false }, ["-c", "pass"]);
    assert.deepEqual(launch.args, ["-3", "-u", "-c", "pass"]);
    assert.equal(launch.env.PYTHONSAFEPATH, "1");
  });

  it("validates new profile names by the engine's declared rule", () => {
    for (const good of ["console-dev_2", "me@corp.example", "a+b", "a".repeat(128)]) {
      assert.equal(validateProfileName(good), undefined, good);
    }
    for (const bad of ["", "has space", "slash/no", "ümlaut", "a".repeat(129), "new\nline"]) {
      assert.ok(validateProfileName(bad), bad);
    }
  });

  it("reduces JSON-RPC errors to their kind", () => {
    const e = toHelperError(new ResponseError(-32001, "Use another profile.", { kind: "ProfileHasOtherCredentials", style: "sso" }));
    assert.ok(e instanceof HelperError);
    assert.equal(e.kind, "ProfileHasOtherCredentials");
    assert.equal(e.data.style, "sso");
    assert.equal(toHelperError(new Error("Connection got disposed.")).kind, "Unknown");
  });
});
