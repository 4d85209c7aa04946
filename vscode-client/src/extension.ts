/** Wires commands, status bar, settings and the helper together. */
import * as vscode from "vscode";
import { awsConfigPath } from "./awsConfigScan";
import { COMMAND_IDS, Commands } from "./commands";
import { HelperManager } from "./helper";
import { HelperSetup } from "./helperSetup";
import { SessionReminder } from "./sessionReminder";
import { wakeUp } from "./startup";
import { StatusController } from "./statusBar";
import { COPY_URL_COMMAND, VscodeUi, currentSettings } from "./vscodeUi";

const ACTIVE_PROFILE_KEY = "awsLogin.activeProfile";

let helper: HelperManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("AWS Login");
  const item = vscode.window.createStatusBarItem("awsLogin.status", vscode.StatusBarAlignment.Left, 10);
  item.name = "AWS Login";
  const statusBar = new StatusController(
    item,
    {
      warning: new vscode.ThemeColor("statusBarItem.warningBackground"),
      error: new vscode.ThemeColor("statusBarItem.errorBackground"),
    },
    COMMAND_IDS.statusMenu,
  );

  const ui = new VscodeUi();
  let commands: Commands | undefined;
  const setup = new HelperSetup(context, output);
  helper = new HelperManager(output, setup, (change) => void commands?.onSessionChanged(change));
  commands = new Commands({
    helper: () => helper!.get(),
    ui,
    settings: currentSettings,
    store: {
      get: () => context.globalState.get<string>(ACTIVE_PROFILE_KEY),
      set: (profile) => context.globalState.update(ACTIVE_PROFILE_KEY, profile),
    },
    statusBar,
  });
  const c = commands;
  const reminder = new SessionReminder(ui, (profile) => c.login({ profile }));
  statusBar.onDidRender((view, level, now) => reminder.check(view, level, now));

  context.subscriptions.push(
    output,
    item,
    statusBar,
    helper,
    vscode.commands.registerCommand(COMMAND_IDS.login, () => c.login()),
    vscode.commands.registerCommand(COMMAND_IDS.logout, () => c.logout()),
    vscode.commands.registerCommand(COMMAND_IDS.showCallerIdentity, () => c.showCallerIdentity()),
    vscode.commands.registerCommand(COMMAND_IDS.switchProfile, () => c.switchProfile()),
    vscode.commands.registerCommand(COMMAND_IDS.showStatus, () => c.showStatus()),
    vscode.commands.registerCommand(COMMAND_IDS.statusMenu, () => c.statusMenu()),
    vscode.commands.registerCommand(COPY_URL_COMMAND, () => ui.copySignInUrl()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("awsLogin.pythonPath") || e.affectsConfiguration("awsLogin.endpointUrl")) {
        await helper?.stop();
        await c.refreshStatus();
      } else if (e.affectsConfiguration("awsLogin.defaultProfile")) {
        await c.refreshStatus();
      }
    }),
  );

  // Activated at startup: the helper starts in the background only if some profile uses
  // console sign-in (or once one does); the command that activated us may run meanwhile.
  const startup = wakeUp({
    configPath: awsConfigPath(),
    startHelper: () => c.showSessionAtStart(),
    showNoLogin: () =>
      statusBar.update({ profile: c.activeProfile(), loginSession: null, state: "loggedOut", loggedIn: false }),
  });
  context.subscriptions.push(startup);
}

export async function deactivate(): Promise<void> {
  await helper?.stop();
  helper = undefined;
}
