/** The `Ui` boundary implemented with VS Code's real window/env API, and settings access. */
import * as vscode from "vscode";
import { Settings, readSettings } from "./config";
import { InputOptions, MessageOptions, PickItem, PickOptions, Severity, Ui } from "./ui";
import { WorkspaceGuard } from "./workspaceGuard";

/** Internal command behind the notice's "Copy URL" link. */
export const COPY_URL_COMMAND = "awsLogin.copySignInUrl";

export class VscodeUi implements Ui {
  /** The sign-in URL the open notice offers (the link carries no arguments: see below). */
  private signInUrl: string | undefined;

  signInNotice(text: string, url: string): { dispose(): void } {
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    this.signInUrl = url;
    // A progress notification closes by itself when the login ends, unlike a message with a
    // button. Its "Copy URL" is a command link; the URL is kept here rather than passed as a
    // link argument, because command-link arguments get percent-decoded on the way and the
    // authorize URL's own %-escapes must survive.
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${text} [Copy URL](command:${COPY_URL_COMMAND})` },
      () => finished,
    );
    return {
      dispose: () => {
        if (this.signInUrl === url) {
          this.signInUrl = undefined;
        }
        done();
      },
    };
  }

  /** The notice's "Copy URL". */
  async copySignInUrl(): Promise<void> {
    if (this.signInUrl) {
      await vscode.env.clipboard.writeText(this.signInUrl);
      vscode.window.setStatusBarMessage("$(check) AWS sign-in URL copied: open it in a browser", 5000);
    }
  }

  async pick<T>(items: readonly PickItem<T>[], options: PickOptions): Promise<T | undefined> {
    const picked = await vscode.window.showQuickPick(
      items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value })),
      { title: options.title, placeHolder: options.placeholder, ignoreFocusOut: options.ignoreFocusOut },
    );
    return picked?.value;
  }

  async input(options: InputOptions): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title: options.title,
      prompt: options.prompt,
      placeHolder: options.placeholder,
      value: options.value,
      password: options.password,
      ignoreFocusOut: options.ignoreFocusOut,
      validateInput: options.validate ? (v) => options.validate?.(v) : undefined,
    });
  }

  async message(
    severity: Severity,
    text: string,
    options: MessageOptions,
    ...actions: string[]
  ): Promise<string | undefined> {
    const opts: vscode.MessageOptions = { modal: options.modal, detail: options.detail };
    switch (severity) {
      case "error":
        return vscode.window.showErrorMessage(text, opts, ...actions);
      case "warning":
        return vscode.window.showWarningMessage(text, opts, ...actions);
      default:
        return vscode.window.showInformationMessage(text, opts, ...actions);
    }
  }

  async openExternal(url: string): Promise<boolean> {
    // The extension host accepts the URL as a string and hands it on verbatim; a
    // `vscode.Uri` would be re-encoded on the way (its query normalised), and the
    // authorize URL's parameters must reach the sign-in page exactly as the helper made them.
    try {
      return await vscode.env.openExternal(url as unknown as vscode.Uri);
    } catch {
      return vscode.env.openExternal(vscode.Uri.parse(url, true));
    }
  }

  async copyToClipboard(text: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
  }

  withProgress<R>(title: string, task: () => Promise<R>): Promise<R> {
    return Promise.resolve(
      // In the status bar: short requests should not add toasts of their own.
      vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => task()),
    );
  }
}

export const SHOW_OUTPUT = "Show Output";

/** An error notification that offers to copy an install command (and, given the helper's
 * output channel, to show it). */
export function offerInstallCommand(text: string, command: string, output?: vscode.OutputChannel): void {
  const copy = "Copy Install Command";
  const show = SHOW_OUTPUT;
  void vscode.window.showErrorMessage(text, ...(output ? [copy, show] : [copy])).then(async (choice) => {
    if (choice === copy) {
      await vscode.env.clipboard.writeText(command);
    } else if (choice === show) {
      output?.show(true);
    }
  });
}

export function currentSettings(): Settings {
  const cfg = vscode.workspace.getConfiguration("awsLogin");
  return readSettings((key) => cfg.get(key));
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?: (resource?: vscode.Uri) => { id?: string; path?: string } | undefined;
    resolveEnvironment?: (
      env: unknown,
    ) => Promise<{ executable?: { uri?: vscode.Uri } } | undefined> | undefined;
  };
  settings?: {
    getExecutionDetails?: (resource?: vscode.Uri) => { execCommand?: string[] | undefined } | undefined;
  };
}

/** What this window may run now: anything once the workspace is trusted (Restricted Mode: see `WorkspaceGuard`). */
export function workspaceGuard(): WorkspaceGuard {
  if (vscode.workspace.isTrusted !== false) {
    return WorkspaceGuard.trusted();
  }
  return new WorkspaceGuard((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
}

/**
 * The interpreter selected in the Python extension (ms-python.python), if it is installed.
 * One inside an untrusted workspace folder is handed back unresolved (the search refuses it):
 * resolving an environment may run its interpreter.
 */
export async function pythonExtensionInterpreter(guard: WorkspaceGuard): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!ext) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    const envPath = api?.environments?.getActiveEnvironmentPath?.(resource);
    if (envPath?.path && (await guard.folderHolding(envPath.path)) !== undefined) {
      return envPath.path;
    }
    if (envPath) {
      const resolved = await api?.environments?.resolveEnvironment?.(envPath);
      const exe = resolved?.executable?.uri?.fsPath;
      if (exe) {
        return exe;
      }
    }
    const cmd = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (cmd && cmd.length === 1 && cmd[0]) {
      return cmd[0];
    }
    return envPath?.path || undefined;
  } catch {
    return undefined;
  }
}
