/**
 * Starts `<python> -m aws_login_bridge serve` with vscode-languageclient (stdio, LSP base
 * framing) on first use and hands out the running connection. Which Python, and installing
 * the helper when there is none, is `HelperSetup`'s job; if the helper still does not start,
 * the person gets one message with the exact reinstall command and a button that copies it.
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
import { helperCommand } from "./config";
import { PACKAGE_NAME } from "./helperLocator";
import { pipInstallCommand } from "./shellCommand";
import { HelperConnection, SessionChangedParams, sessionChanged } from "./lsp_ext";
import { currentSettings, offerInstallCommand } from "./vscodeUi";


/** Where the interpreter comes from (`HelperSetup`). */
export interface HelperPython {
  /** The interpreter to run the helper with (found, or installed with the person's consent). */
  python(): Promise<string | undefined>;
  /** The helper started with it: worth remembering. */
  started(python: string): void;
  /** It did not start with it: forget it; true when it was only remembered (look again). */
  failed(python: string): boolean;
}

export class HelperManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private connection: HelperConnection | undefined;
  private starting: Promise<HelperConnection | undefined> | undefined;

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly pythons: HelperPython,
    private readonly onSessionChanged: (p: SessionChangedParams) => void,
  ) {}

  /** The running helper, started if needed; undefined if it cannot start (already told). */
  get(): Promise<HelperConnection | undefined> {
    if (this.client && this.connection && this.client.state === State.Running) {
      return Promise.resolve(this.connection);
    }
    if (!this.starting) {
      this.starting = this.start().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async start(lookAgain = true): Promise<HelperConnection | undefined> {
    await this.stop();
    const python = await this.pythons.python();
    if (!python) {
      return undefined; // the person was told why (or declined the install)
    }
    const settings = currentSettings();
    const cmd = helperCommand(python, settings);
    this.output.appendLine(
      `[aws-login-bridge] starting: ${cmd.command} ${cmd.args.join(" ")}` +
        (settings.endpointUrl ? ` (endpoint ${settings.endpointUrl})` : ""),
    );

    const serverOptions: ServerOptions = {
      command: cmd.command,
      args: cmd.args,
      transport: TransportKind.stdio,
      options: { env: cmd.env },
    };
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
    const client = new LanguageClient("awsLogin", "AWS Login", serverOptions, clientOptions);
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
        return this.start(false);
      }
      this.reportStartFailure(python);
      return undefined;
    }
    this.pythons.started(python);
    this.client = client;
    this.connection = {
      sendRequest: (type, params) => client.sendRequest(type, params),
      onNotification: (type, handler) => client.onNotification(type, handler),
    };
    return this.connection;
  }

  private reportStartFailure(python: string): void {
    const reinstall = pipInstallCommand([python], PACKAGE_NAME, process.platform);
    offerInstallCommand(
      `AWS Login's helper did not start with ${python}. If aws-login-bridge is missing or outdated, install it with: ${reinstall}`,
      reinstall,
      this.output,
    );
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
