/**
 * The person's side of finding and installing the helper: which Python runs it, the one
 * "Install" offer when none can, the progress notification while the private environment is
 * made, and the silent upgrade of that environment after an extension update.
 *
 * A quiet search (the editor starting: nobody asked) offers and shows nothing: when the
 * person has something to do, it says what in `problem`, for the status bar, whose click
 * runs the search again, asking this time. In an untrusted workspace no interpreter inside a
 * workspace folder is run or recalled (`WorkspaceGuard`).
 */
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { HelperPython, PythonChoice } from "./helper";
import { InstallError, installHelper } from "./helperInstall";
import { BundledWheel, bundledWheel, locateHelper, privateVenvDir } from "./helperLocator";
import { probedTarget, versionText } from "./pythonFinder";
import { PythonLauncher, PythonTarget, Version } from "./pythonLaunch";
import { SearchRun } from "./searchRun";
import { advisedVenvPython } from "./shellCommand";
import {
  SHOW_OUTPUT,
  currentSettings,
  offerInstallCommand,
  pythonExtensionInterpreter,
  workspaceGuard,
} from "./vscodeUi";
import { WorkspaceGuard } from "./workspaceGuard";

export const INSTALL = "Install";
/** The interpreter the helper last started with, and what it was chosen under. */
const REMEMBERED_KEY = "awsLogin.helperPython";
interface Remembered {
  python: string;
  version: Version;
  own: boolean;
  setting: string;
  bundled: string | null;
}

/**
 * A window that starts where the helper already ran starts it straight away with the
 * remembered interpreter (no probing processes first); if it no longer starts, the full
 * search runs once more. HelperManager asks one question at a time.
 */
export class HelperSetup implements HelperPython {
  private readonly bundled: BundledWheel | undefined;
  private readonly venvDir: string;
  private readonly state: vscode.Memento;
  /** The interpreter handed out from memory, not from a search. */
  private recalled: string | undefined;

  constructor(
    context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    /** How every Python is started: in the extension's global storage. */
    readonly launcher = new PythonLauncher(context.globalStorageUri.fsPath),
  ) {
    this.state = context.globalState;
    this.bundled = bundledWheel(context.extensionPath);
    this.venvDir = privateVenvDir(context.globalStorageUri.fsPath);
  }

  /** The interpreter that runs the helper, installing it first if the person agrees (not when quiet). */
  async python(quiet = false): Promise<PythonChoice> {
    const guard = workspaceGuard();
    const remembered = await this.recall(guard);
    if (remembered) {
      return { python: remembered };
    }
    return this.resolve(quiet, guard);
  }

  started(python: PythonTarget): void {
    const entry: Remembered = {
      python: python.argv[0],
      version: python.version ?? [0, 0, 0],
      own: python.own,
      setting: currentSettings().pythonPath,
      bundled: this.bundled?.version ?? null,
    };
    void this.state.update(REMEMBERED_KEY, entry);
  }

  failed(python: PythonTarget): boolean {
    const wasRecalled = this.recalled === python.argv[0];
    this.recalled = undefined;
    void this.state.update(REMEMBERED_KEY, undefined);
    return wasRecalled;
  }

  /**
   * The remembered interpreter, if it was chosen under the same setting and bundled version
   * (and, in an untrusted workspace, lies outside its folders).
   */
  private async recall(guard: WorkspaceGuard): Promise<PythonTarget | undefined> {
    const r = this.state.get<Partial<Remembered>>(REMEMBERED_KEY);
    this.recalled = undefined;
    if (
      r === undefined ||
      typeof r.python !== "string" ||
      !Array.isArray(r.version) ||
      typeof r.own !== "boolean" ||
      r.setting !== currentSettings().pythonPath ||
      r.bundled !== (this.bundled?.version ?? null) ||
      !fs.existsSync(r.python)
    ) {
      return undefined;
    }
    if (!r.own && (await guard.folderHolding(r.python)) !== undefined) {
      this.log(`not running ${r.python} (as last time): it lies inside a folder of this workspace, which is not trusted`);
      return undefined;
    }
    this.recalled = r.python;
    this.log(`helper Python (as last time): ${r.python}`);
    return { argv: [r.python], own: r.own, version: r.version };
  }

  private async resolve(quiet: boolean, guard: WorkspaceGuard): Promise<PythonChoice> {
    const run = new SearchRun(
      process.platform,
      this.launcher,
      () => pythonExtensionInterpreter(guard),
      guard,
      undefined,
      (line) => this.log(line),
    );
    const located = await locateHelper({
      platform: run.platform,
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
        return { python: probedTarget(located.info, located.source === "private") };
      case "settingUnusable":
        this.log(`awsLogin.pythonPath ${located.python} cannot run the helper: ${located.detail}`);
        if (quiet) {
          return {
            problem: `AWS Login cannot run its helper with ${located.python} (awsLogin.pythonPath): ${located.detail}. Click for the command that installs it there.`,
          };
        }
        offerInstallCommand(
          `AWS Login cannot run its helper with ${located.python} (awsLogin.pythonPath): ${located.detail}. ` +
            (located.externallyManaged
              ? `pip does not install into that Python (externally managed), so make a virtual environment with it and install there: ` +
                `${located.installCommand}, then set awsLogin.pythonPath to the full path of ${advisedVenvPython(run.platform)}`
              : `Install it there with: ${located.installCommand}`) +
            " — or clear the setting to let AWS Login install its own.",
          located.installCommand,
        );
        return {};
      case "settingRefused":
        this.log(located.message);
        if (quiet) {
          return { problem: located.message };
        }
        void vscode.window.showErrorMessage(located.message);
        return {};
      case "settingUntrusted": {
        const text =
          `AWS Login does not run ${located.python} (awsLogin.pythonPath) here because it lies inside a folder of this untrusted workspace: ` +
          "trust the workspace, or set awsLogin.pythonPath to a Python outside it.";
        if (quiet) {
          return { problem: text };
        }
        void vscode.window.showErrorMessage(text);
        return {};
      }
      case "missing":
        if (quiet) {
          return { problem: "AWS Login needs the aws-login-bridge package. Click for the command that installs it." };
        }
        offerInstallCommand(`AWS Login needs the aws-login-bridge package. Install it with: ${located.installCommand}`, located.installCommand);
        return {};
      case "upgrade":
        this.log(`private environment has helper ${located.from ?? "(none)"}; upgrading to ${this.bundled?.version}`);
        return this.install(`AWS Login: updating its helper to ${this.bundled?.version}`, run, quiet);
      case "install":
        if (quiet) {
          return {
            problem: `AWS Login needs its helper (aws-login-bridge ${this.bundled?.version}), and no Python here has it. Click to install it.`,
          };
        }
        return this.offerInstall(run);
    }
  }

  private async offerInstall(run: SearchRun): Promise<PythonChoice> {
    let base;
    try {
      base = await run.basePython();
    } catch (e) {
      this.fail(e);
      return {};
    }
    const which = `Python ${versionText(base.info)} (${base.info.executable})`;
    this.log(`no Python here has helper ${this.bundled?.version}; offering to install it with ${which}`);
    const choice = await vscode.window.showInformationMessage(
      `AWS Login needs its helper (aws-login-bridge ${this.bundled?.version}), and no Python here has it. ` +
        `Install it into a private environment with ${which}?`,
      INSTALL,
    );
    return choice === INSTALL ? this.install("AWS Login: installing its helper", run, false) : {};
  }

  /** Installs the bundled wheel; quiet (the upgrade at startup): its progress in the status bar, not a notification. */
  private async install(title: string, run: SearchRun, quiet: boolean): Promise<PythonChoice> {
    const wheel = this.bundled;
    if (!wheel) {
      return {};
    }
    try {
      const location = quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification;
      const info = await vscode.window.withProgress(
        { location, title, cancellable: !quiet },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return installHelper({
            venvDir: this.venvDir,
            wheel,
            platform: run.platform,
            launcher: this.launcher,
            basePython: run.basePython,
            report: (message) => progress.report({ message }),
            log: (line) => this.output.appendLine(line),
            signal: abort.signal,
          });
        },
      );
      this.log(`helper ${wheel.version} installed in ${info.executable}`);
      return { python: probedTarget(info, true) };
    } catch (e) {
      if (quiet) {
        this.logFailure(e);
        return { problem: `${e instanceof Error ? e.message : String(e)} Click to try again.` };
      }
      this.fail(e);
      return {};
    }
  }

  private logFailure(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log(`install failed: ${message}${e instanceof InstallError && e.detail ? `\n${e.detail}` : ""}`);
  }

  private fail(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.logFailure(e);
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
