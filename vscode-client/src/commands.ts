/**
 * The commands: Login, Logout, Show Caller Identity, Switch Profile, Show Login Status and
 * the status bar's menu. One module per flow under `commands/`, over the shared context
 * (`commands/context.ts`: helper, active profile, common requests) and wording
 * (`commands/messages.ts`). None imports `vscode`: they talk to the person through `Ui`
 * and to the helper through `HelperConnection`, so the unit tests drive them with a
 * scripted Ui against the real helper process.
 */
import { CompleteLoginResult, HelperConnection, SessionChangedParams, StatusResult } from "./lsp_ext";
import { CommandContext, CommandDeps } from "./commands/context";
import { Flows } from "./commands/flows";
import { showCallerIdentity } from "./commands/identity";
import { login } from "./commands/login";
import { logout } from "./commands/logout";
import { onSessionChanged, refreshStatus, showSessionAtStart, showStatus, statusMenu } from "./commands/status";
import { switchProfile } from "./commands/switchProfile";

export { BUTTONS } from "./commands/messages";

export const COMMAND_IDS = {
  login: "awsLogin.login",
  logout: "awsLogin.logout",
  showCallerIdentity: "awsLogin.showCallerIdentity",
  switchProfile: "awsLogin.switchProfile",
  showStatus: "awsLogin.showStatus",
  statusMenu: "awsLogin.statusMenu",
} as const;

/** Every command as a method (what extension.ts registers and the tests call). */
export class Commands implements Flows {
  private readonly ctx: CommandContext;

  constructor(deps: CommandDeps) {
    this.ctx = new CommandContext(deps, this);
  }

  activeProfile(): string {
    return this.ctx.activeProfile();
  }

  login(options: { profile?: string } = {}): Promise<CompleteLoginResult | undefined> {
    return login(this.ctx, options);
  }

  logout(): Promise<number | undefined> {
    return logout(this.ctx);
  }

  showCallerIdentity(): Promise<string | undefined> {
    return showCallerIdentity(this.ctx);
  }

  switchProfile(): Promise<string | undefined> {
    return switchProfile(this.ctx);
  }

  showStatus(): Promise<StatusResult | undefined> {
    return showStatus(this.ctx);
  }

  statusMenu(): Promise<void> {
    return statusMenu(this.ctx);
  }

  refreshStatus(helper?: HelperConnection): Promise<void> {
    return refreshStatus(this.ctx, helper);
  }

  /** At startup, in the background: the session worth showing, without asking anyone. */
  showSessionAtStart(): Promise<void> {
    return showSessionAtStart(this.ctx);
  }

  onSessionChanged(change: SessionChangedParams): Promise<void> {
    return onSessionChanged(this.ctx, change);
  }
}
