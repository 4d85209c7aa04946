/**
 * The person's side of finding and installing the helper: which Python runs it, the one
 * "Install" offer when none can, the progress notification while the private environment is
 * made, and the silent upgrade of that environment after an extension update.
 */
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { HelperPython } from "./helper";
import { InstallError, installHelper } from "./helperInstall";
import { BundledWheel, bundledWheel, locateHelper, privateVenvDir } from "./helperLocator";
import { versionText } from "./pythonFinder";
import { SearchRun } from "./searchRun";
import { SHOW_OUTPUT, currentSettings, offerInstallCommand, pythonExtensionInterpreter } from "./vscodeUi";

export const INSTALL = "Install";
/** The interpreter the helper last started with, and what it was chosen under. */
const REMEMBERED_KEY = "awsLogin.helperPython";
interface Remembered {
  python: string;
  setting: string;
  bundled: string | null;
}

/**
 * A window that starts where the helper already ran starts it straight away with the
 * remembered interpreter (no probing processes first); if it no longer starts, the full
 * search runs once more.
 */
export class HelperSetup implements HelperPython {
  /** The open Install offer (or install), shared by every caller meanwhile. */
  private pending: Promise<string | undefined> | undefined;
  private readonly bundled: BundledWheel | undefined;
  private readonly venvDir: string;
  private readonly state: vscode.Memento;
  /** The interpreter handed out from memory, not from a search. */
  private recalled: string | undefined;

  constructor(
    context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {
    this.state = context.globalState;
    this.bundled = bundledWheel(context.extensionPath);
    this.venvDir = privateVenvDir(context.globalStorageUri.fsPath);
  }

  /** The interpreter that runs the helper, installing it first if the person agrees. */
  python(): Promise<string | undefined> {
    const remembered = this.recall();
    if (remembered) {
      return Promise.resolve(remembered);
    }
    if (!this.pending) {
      this.pending = this.resolve().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  started(python: string): void {
    const entry: Remembered = { python, setting: currentSettings().pythonPath, bundled: this.bundled?.version ?? null };
    void this.state.update(REMEMBERED_KEY, entry);
  }

  failed(python: string): boolean {
    const wasRecalled = this.recalled === python;
    this.recalled = undefined;
    void this.state.update(REMEMBERED_KEY, undefined);
    return wasRecalled;
  }

  /** The remembered interpreter, if it was chosen under the same setting and bundled version. */
  private recall(): string | undefined {
    const r = this.state.get<Remembered>(REMEMBERED_KEY);
    const fresh =
      r !== undefined &&
      r.setting === currentSettings().pythonPath &&
      r.bundled === (this.bundled?.version ?? null) &&
      fs.existsSync(r.python);
    this.recalled = fresh ? r.python : undefined;
    if (fresh) {
      this.log(`helper Python (as last time): ${r.python}`);
    }
    return this.recalled;
  }

  private async resolve(): Promise<string | undefined> {
    const run = new SearchRun(process.platform, process.env, pythonExtensionInterpreter);
    const located = await locateHelper({
      platform: run.platform,
      env: run.env,
      setting: currentSettings().pythonPath,
      pythonExtension: run.pythonExtension,
      probe: run.probe,
      venvDir: this.venvDir,
      bundled: this.bundled,
    });
    switch (located.kind) {
      case "ready":
        this.log(`helper ${located.info.helperVersion} in Python ${versionText(located.info)} at ${located.python} (${located.source})`);
        if (this.bundled && located.info.helperVersion !== this.bundled.version) {
          this.log(`note: this extension carries helper ${this.bundled.version}; awsLogin.pythonPath has ${located.info.helperVersion}`);
        }
        return located.python;
      case "settingUnusable":
        this.log(`awsLogin.pythonPath ${located.python} cannot run the helper: ${located.detail}`);
        offerInstallCommand(
          `AWS Login cannot run its helper with ${located.python} (awsLogin.pythonPath): ${located.detail}. ` +
            `Install it there with: ${located.installCommand} — or clear the setting to let AWS Login install its own.`,
          located.installCommand,
        );
        return undefined;
      case "missing":
        offerInstallCommand(`AWS Login needs the aws-login-bridge package. Install it with: ${located.installCommand}`, located.installCommand);
        return undefined;
      case "upgrade":
        this.log(`private environment has helper ${located.from ?? "(none)"}; upgrading to ${this.bundled?.version}`);
        return this.install(`AWS Login: updating its helper to ${this.bundled?.version}`, run);
      case "install":
        return this.offerInstall(run);
    }
  }

  private async offerInstall(run: SearchRun): Promise<string | undefined> {
    let base;
    try {
      base = await run.basePython();
    } catch (e) {
      this.fail(e);
      return undefined;
    }
    const which = `Python ${versionText(base.info)} (${base.info.executable})`;
    this.log(`no Python here has helper ${this.bundled?.version}; offering to install it with ${which}`);
    const choice = await vscode.window.showInformationMessage(
      `AWS Login needs its helper (aws-login-bridge ${this.bundled?.version}), and no Python here has it. ` +
        `Install it into a private environment with ${which}?`,
      INSTALL,
    );
    return choice === INSTALL ? this.install("AWS Login: installing its helper", run) : undefined;
  }

  private async install(title: string, run: SearchRun): Promise<string | undefined> {
    const wheel = this.bundled;
    if (!wheel) {
      return undefined;
    }
    try {
      const python = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return installHelper({
            venvDir: this.venvDir,
            wheel,
            platform: run.platform,
            env: run.env,
            basePython: run.basePython,
            report: (message) => progress.report({ message }),
            log: (line) => this.output.appendLine(line),
            signal: abort.signal,
          });
        },
      );
      this.log(`helper ${wheel.version} installed in ${python}`);
      return python;
    } catch (e) {
      this.fail(e);
      return undefined;
    }
  }

  private fail(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log(`install failed: ${message}${e instanceof InstallError && e.detail ? `\n${e.detail}` : ""}`);
    void vscode.window.showErrorMessage(message, SHOW_OUTPUT).then((choice) => {
      if (choice === SHOW_OUTPUT) {
        this.output.show(true);
      }
    });
  }

  private log(line: string): void {
    this.output.appendLine(`[aws-login-bridge] ${line}`);
  }
}
