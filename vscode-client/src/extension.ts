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
/** Internal command behind the status bar's click when no helper could be found at start. */
const SET_UP_HELPER_COMMAND = "awsLogin.setUpHelper";
const HELPER_MISSING = "aws: helper missing";

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
  helper = new HelperManager(output, setup, (change) => void commands?.onSessionChanged(change), setup.launcher);
  const manager = helper;
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

  /**
   * The session at start, or why there is none. Quiet (the editor starting; trust granted):
   * nothing is offered or shown but the status bar, whose click comes back here asking the
   * person (the Install offer, the install command to copy).
   */
  const showSession = async (quiet: boolean): Promise<void> => {
    if (await manager.get({ quiet })) {
      await c.showSessionAtStart();
      return;
    }
    const why = manager.problem ?? "AWS Login found no Python that runs its helper (aws-login-bridge). Click to set it up.";
    statusBar.setProblem(HELPER_MISSING, why, SET_UP_HELPER_COMMAND);
  };

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
    vscode.commands.registerCommand(SET_UP_HELPER_COMMAND, () => showSession(false)),
    // Trust granted: interpreters inside the workspace folders may run now, so a helper that
    // was missing may be found.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (statusBar.shownProblem?.text === HELPER_MISSING) {
        void showSession(true);
      }
    }),
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
  const configPath = awsConfigPath();
  let looked: string | undefined;
  const startup = wakeUp({
    configPath,
    // What the start found, once per change: the first thing to read when the status bar
    // does not show a session the file has.
    onLook: (profiles) => {
      const found = profiles.length > 0 ? `console sign-in profiles: ${profiles.join(", ")}` : "no console sign-in profile";
      if (found !== looked) {
        looked = found;
        output.appendLine(`[aws-login-bridge] ${configPath}: ${found}`);
      }
    },
    startHelper: () => showSession(true),
    showNoLogin: () =>
      statusBar.update({ profile: c.activeProfile(), loginSession: null, state: "loggedOut", loggedIn: false }),
    showConfigProblem: (message) => statusBar.setProblem("aws: config not read", message),
  });
  context.subscriptions.push(startup);
}

export async function deactivate(): Promise<void> {
  await helper?.stop();
  helper = undefined;
}
