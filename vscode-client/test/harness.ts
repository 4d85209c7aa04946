/**
 * Test harness: the REAL helper subprocess (over a plain vscode-jsonrpc connection with the
 * LSP handshake, as vscode-languageclient would do), the REAL local Sign-In emulator, a
 * scripted `Ui` standing in for VS Code's window/env, and a "browser" that walks the
 * emulator's sign-in pages like a person would.
 */
import * as assert from "node:assert/strict";
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  MessageConnection,
  NotificationType,
  RequestType,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from "vscode-jsonrpc/node";
import { Settings, helperLaunch } from "../src/config";
import {
  CompleteLoginResult,
  HelperConnection,
  SessionChangedParams,
  StartLoginResult,
  completeLogin,
  sessionChanged,
  startLogin,
} from "../src/lsp_ext";
import { PythonLauncher } from "../src/pythonLaunch";

export * from "./fakes";

/** vscode-client/out/test/ → the repository root. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The Python that has aws-login-bridge: $AWS_LOGIN_BRIDGE_PYTHON, the repo's .venv, or python3. */
export function testPython(): string {
  if (process.env.AWS_LOGIN_BRIDGE_PYTHON) {
    return process.env.AWS_LOGIN_BRIDGE_PYTHON;
  }
  const venv = path.join(REPO_ROOT, ".venv", "bin", "python");
  return fs.existsSync(venv) ? venv : "python3";
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `alb-${prefix}-`));
}

// ------------------------------------------------------------------ emulator

export interface Emulator {
  url: string;
  stop(): Promise<void>;
  output(): string;
}

export async function startEmulator(extraArgs: string[] = []): Promise<Emulator> {
  const child = spawn(testPython(), ["-m", "aws_login_bridge.emulator", "--port", "0", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start in 30 s:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /emulator listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ""));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: () => stopChild(child),
  };
}

function stopChild(child: { exitCode: number | null; kill(sig?: NodeJS.Signals): boolean; once(e: "exit", f: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve();
      return;
    }
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, 5000);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

// ------------------------------------------------------------------ a person's AWS files

export interface AwsHome {
  dir: string;
  configFile: string;
  credentialsFile: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  readConfig(): string;
  cacheFiles(): string[];
}

/** An isolated HOME with its own ~/.aws, and no AWS_* variables leaking in from outside. */
export function makeAwsHome(emulatorUrl: string, config = ""): AwsHome {
  const dir = tempDir("home");
  const aws = path.join(dir, ".aws");
  fs.mkdirSync(aws, { recursive: true });
  const configFile = path.join(aws, "config");
  const credentialsFile = path.join(aws, "credentials");
  const cacheDir = path.join(aws, "login", "cache");
  if (config) {
    fs.writeFileSync(configFile, config);
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("AWS_")) {
      env[k] = v;
    }
  }
  Object.assign(env, {
    HOME: dir,
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_LOGIN_CACHE_DIRECTORY: cacheDir,
    AWS_EC2_METADATA_DISABLED: "true",
  });
  return {
    dir,
    configFile,
    credentialsFile,
    cacheDir,
    env,
    readConfig: () => (fs.existsSync(configFile) ? fs.readFileSync(configFile, "utf8") : ""),
    cacheFiles: () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => f.endsWith(".json")) : []),
  };
}

export function testSettings(endpointUrl: string, overrides: Partial<Settings> = {}): Settings {
  return { pythonPath: testPython(), defaultProfile: "", defaultRegion: "us-east-1", endpointUrl, ...overrides };
}

// ------------------------------------------------------------------ the helper

export interface Helper {
  connection: HelperConnection;
  raw: MessageConnection;
  notifications: SessionChangedParams[];
  /** startLogin results seen, newest last. */
  starts: StartLoginResult[];
  /** Everything sent to the helper, for the "no secrets leave" checks. */
  sent: Array<{ method: string; params: unknown }>;
  stderr(): string;
  /** Resolves with the next sessionChanged notification that `match` accepts. */
  waitForNotification(match: (p: SessionChangedParams) => boolean, timeoutMs?: number): Promise<SessionChangedParams>;
  stop(): Promise<void>;
}

/**
 * Spawns `<python> -m aws_login_bridge serve` exactly as the extension does (same command
 * builder, a working folder of its own), then does the LSP initialize handshake.
 */
export async function startHelper(home: AwsHome, settings: Settings): Promise<Helper> {
  const launcher = new PythonLauncher(tempDir("helper-work"), home.env);
  const cmd = helperLaunch({ argv: [settings.pythonPath], own: false }, settings, launcher);
  const child: ChildProcessWithoutNullStreams = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: cmd.env });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const raw = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const notifications: SessionChangedParams[] = [];
  const waiters: Array<{ match: (p: SessionChangedParams) => boolean; resolve: (p: SessionChangedParams) => void }> = [];
  // vscode-jsonrpc keeps one handler per method: fan out to the recorder and to listeners.
  const listeners: Array<(p: SessionChangedParams) => void> = [];
  raw.onNotification(sessionChanged, (p) => {
    notifications.push(p);
    for (const l of listeners) {
      l(p);
    }
    for (const w of [...waiters]) {
      if (w.match(p)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(p);
      }
    }
  });
  // LSP notifications a pygls server may send; accepted and ignored like the language client does.
  raw.onNotification("window/logMessage", () => undefined);
  raw.onNotification("window/showMessage", () => undefined);
  raw.listen();
  const exited = new Promise<never>((_, reject) =>
    child.on("exit", (code) => reject(new Error(`helper exited with ${code}:\n${stderr}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([
    raw.sendRequest("initialize", {
      processId: process.pid,
      clientInfo: { name: "aws-login-bridge-vscode-tests" },
      rootUri: null,
      capabilities: {},
    }),
    exited,
  ]);
  await raw.sendNotification("initialized", {});

  const starts: StartLoginResult[] = [];
  const sent: Array<{ method: string; params: unknown }> = [];
  const connection: HelperConnection = {
    async sendRequest<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R> {
      sent.push({ method: type.method, params });
      const r = await Promise.race([raw.sendRequest(type, params), exited]);
      if (type.method === "awsLogin/startLogin") {
        starts.push(r as unknown as StartLoginResult);
      }
      return r as R;
    },
    onNotification<P>(type: NotificationType<P>, handler: (params: P) => void) {
      if (type.method === sessionChanged.method) {
        const l = handler as unknown as (p: SessionChangedParams) => void;
        listeners.push(l);
        return { dispose: () => void listeners.splice(listeners.indexOf(l), 1) };
      }
      return raw.onNotification(type, handler);
    },
  };
  let stopped = false;
  return {
    connection,
    raw,
    notifications,
    starts,
    sent,
    stderr: () => stderr,
    waitForNotification(match, timeoutMs = 15_000) {
      const seen = notifications.find(match);
      if (seen) {
        return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`no matching sessionChanged in ${timeoutMs} ms; got ${JSON.stringify(notifications)}`));
          }
        }, timeoutMs);
      });
    },
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      if (child.exitCode === null) {
        try {
          await Promise.race([raw.sendRequest("shutdown"), new Promise((r) => setTimeout(r, 3000))]);
          await raw.sendNotification("exit");
        } catch {
          // already gone
        }
      }
      await stopChild(child);
      raw.dispose();
    },
  };
}

// ------------------------------------------------------------------ the browser

/** What a person does in the sign-in tab: press "Continue as …", read the verification code. */
export async function signInInBrowser(authorizeUrl: string): Promise<{ code: string; identityArn?: string }> {
  const page = await fetch(authorizeUrl, { redirect: "manual" });
  const html = await page.text();
  assert.equal(page.status, 200, `sign-in page answered ${page.status}: ${stripTags(html)}`);
  const arn = /id="identity-arn"[^>]*>([^<]*)</.exec(html);
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  assert.ok(form, "the sign-in page has a form");
  const formTag = /<form\b[^>]*>/i.exec(form[0])![0];
  const action = attr(formTag, "action") ?? new URL(authorizeUrl).pathname;
  const method = (attr(formTag, "method") ?? "get").toLowerCase();
  assert.equal(method, "post");
  const fields = new URLSearchParams();
  for (const input of form[1].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, "name");
    if (name && (attr(input, "type") ?? "text").toLowerCase() === "hidden") {
      fields.append(name, attr(input, "value") ?? "");
    }
  }
  const buttons = [...form[1].matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)];
  const cont = buttons.find((b) => /Continue as/i.test(b[2]));
  assert.ok(cont, `the sign-in page has a "Continue as …" button: ${form[1]}`);
  const bName = attr(`<b ${cont[1]}>`, "name");
  if (bName) {
    fields.append(bName, attr(`<b ${cont[1]}>`, "value") ?? "");
  }
  const posted = await fetch(new URL(action, authorizeUrl), {
    method: "POST",
    body: fields,
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  let location = posted.headers.get("location");
  let body = location ? "" : await posted.text();
  let at = new URL(action, authorizeUrl).toString();
  for (let hops = 0; location && hops < 5; hops++) {
    at = new URL(location, at).toString();
    const r = await fetch(at, { redirect: "manual" });
    location = r.headers.get("location");
    body = location ? "" : await r.text();
  }
  const code = /id="verification-code"[^>]*>([^<]*)</.exec(body);
  assert.ok(code, `the confirmation page shows a verification code: ${stripTags(body)}`);
  return { code: unescapeHtml(code[1].trim()), identityArn: arn ? unescapeHtml(arn[1].trim()) : undefined };
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return m ? unescapeHtml(m[2] ?? m[3] ?? m[4] ?? "") : undefined;
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function stripTags(s: string): string {
  return s.replace(/<style[\s\S]*?<\/style>/gi, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

/** A whole remote login straight through the helper (as the CLI or another window would do it). */
export async function loginThroughHelper(
  helper: HelperConnection,
  endpointUrl: string,
  profile: string,
): Promise<CompleteLoginResult> {
  const start = await helper.sendRequest(startLogin, { profile, region: "us-east-1", endpointUrl, flow: "remote" });
  const { code } = await signInInBrowser(start.authorizeUrl);
  return helper.sendRequest(completeLogin, { loginId: start.loginId, code });
}
