/**
 * Starts `<python> -m aws_login_bridge serve` with vscode-languageclient (stdio, LSP base
 * framing) on first use and hands out the running connection. Which Python, and installing
 * the helper when there is none, is `HelperSetup`'s job; how it is started (working folder,
 * switches) is `pythonLaunch.ts`'s. If the helper still does not start, the person who asked
 * gets one message with the exact reinstall command and a button that copies it; a quiet start
 * (nobody asked: the editor is starting) shows nothing and leaves the reason in `problem`.
 */
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { helperLaunch } from "./config";
import { PACKAGE_NAME } from "./helperLocator";
import { Launch, PythonLauncher, PythonTarget } from "./pythonLaunch";
import { pipInstallCommand } from "./shellCommand";
import { HelperConnection, SessionChangedParams, sessionChanged } from "./lsp_ext";
import { currentSettings, offerInstallCommand } from "./vscodeUi";


/** The helper's Python, or (quiet) why there is none without asking the person. */
export type PythonChoice = { python: PythonTarget } | { python?: undefined; problem?: string };

/** Where the interpreter comes from (`HelperSetup`). */
export interface HelperPython {
  /**
   * The interpreter to run the helper with (found, or installed with the person's consent).
   * `quiet`: nobody asked, so nothing is offered or shown; `problem` says what would fix it.
   */
  python(quiet: boolean): Promise<PythonChoice>;
  /** The helper started with it: worth remembering. */
  started(python: PythonTarget): void;
  /** It did not start with it: forget it; true when it was only remembered (look again). */
  failed(python: PythonTarget): boolean;
}

/** How vscode-languageclient starts the helper: the launch, with its working folder. */
export function serverOptions(launch: Launch): ServerOptions {
  return {
    command: launch.command,
    args: launch.args,
    transport: TransportKind.stdio,
    options: { cwd: launch.cwd, env: launch.env },
  };
}

export class HelperManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private connection: HelperConnection | undefined;
  private starting: { quiet: boolean; done: Promise<HelperConnection | undefined> } | undefined;
  /** Why the last quiet start found no helper, for the status bar; cleared by a start. */
  problem: string | undefined;

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly pythons: HelperPython,
    private readonly onSessionChanged: (p: SessionChangedParams) => void,
    private readonly launcher: PythonLauncher,
  ) {}

  /**
   * The running helper, started if needed; undefined if it cannot start (the person was told,
   * or, quiet, `problem` says why). A command that comes while a quiet start is under way
   * waits for it, and asks the person if it found nothing.
   */
  get(options: { quiet?: boolean } = {}): Promise<HelperConnection | undefined> {
    if (this.client && this.connection && this.client.state === State.Running) {
      return Promise.resolve(this.connection);
    }
    const quiet = options.quiet === true;
    if (!this.starting || (this.starting.quiet && !quiet)) {
      const before = this.starting?.done;
      const entry = {
        quiet,
        done: (async () => (before && (await before)) || this.start(quiet))(),
      };
      this.starting = entry;
      const clear = () => {
        if (this.starting === entry) {
          this.starting = undefined;
        }
      };
      entry.done.then(clear, clear);
    }
    return this.starting.done;
  }

  private async start(quiet: boolean, lookAgain = true): Promise<HelperConnection | undefined> {
    await this.stop();
    const chosen = await this.pythons.python(quiet);
    if (!chosen.python) {
      this.problem = chosen.problem;
      return undefined; // the person was told why (or declined the install), or it is in `problem`
    }
    const python = chosen.python;
    const settings = currentSettings();
    let launch: Launch;
    try {
      launch = helperLaunch(python, settings, this.launcher);
    } catch (e) {
      // No working folder of its own: it does not start anywhere else.
      this.output.appendLine(`[aws-login-bridge] helper did not start: ${e instanceof Error ? e.message : String(e)}`);
      return this.failedToStart(python, quiet);
    }
    this.output.appendLine(
      `[aws-login-bridge] starting: ${launch.command} ${launch.args.join(" ")} (in ${launch.cwd})` +
        (settings.endpointUrl ? ` (endpoint ${settings.endpointUrl})` : ""),
    );

    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationFailedHandler: () => false,
      errorHandler: {
        error: () => ({ action: ErrorAction.Shutdown, handled: true }),
        closed: () => {
          this.output.appendLine("[aws-login-bridge] helper stopped; the next AWS command starts it again.");
          this.connection = undefined;
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    const client = new LanguageClient("awsLogin", "AWS Login", serverOptions(launch), clientOptions);
    client.onNotification(sessionChanged, (p) => this.onSessionChanged(p));
    try {
      await client.start();
    } catch (e) {
      this.output.appendLine(`[aws-login-bridge] helper did not start: ${e instanceof Error ? e.message : String(e)}`);
      try {
        await client.dispose(2000);
      } catch {
        // already down
      }
      if (lookAgain && this.pythons.failed(python)) {
        return this.start(quiet, false);
      }
      return this.failedToStart(python, quiet);
    }
    this.problem = undefined;
    this.pythons.started(python);
    this.client = client;
    this.connection = {
      sendRequest: (type, params) => client.sendRequest(type, params),
      onNotification: (type, handler) => client.onNotification(type, handler),
    };
    return this.connection;
  }

  private failedToStart(target: PythonTarget, quiet: boolean): undefined {
    const python = target.argv[0];
    if (quiet) {
      this.problem = `AWS Login's helper did not start with ${python}. Click for the command that reinstalls it.`;
      return undefined;
    }
    // The private environment is a virtual environment: pip installs there on any platform.
    const reinstall = pipInstallCommand([python], PACKAGE_NAME, process.platform, target.own ? false : undefined);
    offerInstallCommand(
      `AWS Login's helper did not start with ${python}. If aws-login-bridge is missing or outdated, install it with: ${reinstall}`,
      reinstall,
      this.output,
    );
    return undefined;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connection = undefined;
    if (client) {
      try {
        await client.stop(2000);
      } catch {
        // it may have died already
      }
    }
  }

  dispose(): void {
    void this.stop();
  }
}
