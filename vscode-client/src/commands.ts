/**
 * The commands' logic: Login, Logout, Show Caller Identity, Switch Profile, Show Login
 * Status and the status bar's menu. It talks to the helper through `HelperConnection` and to
 * the person through `Ui`; it never imports `vscode`, so the unit tests drive it with a
 * scripted Ui against the real helper process.
 *
 * Secrets never pass through here into messages: the verification code goes only to the
 * helper, and results carry no keys or tokens.
 */
import { DEFAULT_REGION, Settings, validateProfileName } from "./config";
import {
  CompleteLoginResult,
  HelperConnection,
  HelperError,
  PROFILE_NAME_RULE,
  SessionChangedParams,
  StartLoginResult,
  StatusResult,
  callerIdentity,
  cancelLogin,
  completeLogin,
  listProfiles,
  logout,
  startLogin,
  status,
  toHelperError,
} from "./lsp_ext";
import { SessionView, StatusController, formatTimeLeft, isLoggedIn, sessionEnd } from "./statusBar";
import { PickItem, Ui } from "./ui";

/** Where the active profile is remembered (the extension uses globalState). */
export interface ActiveProfileStore {
  get(): string | undefined;
  set(profile: string): PromiseLike<void>;
}

export interface CommandDeps {
  /** The running helper, started on first use; undefined when it cannot start (already explained). */
  helper: () => Promise<HelperConnection | undefined>;
  ui: Ui;
  settings: () => Settings;
  store: ActiveProfileStore;
  statusBar?: StatusController;
  now?: () => Date;
}

export const COMMAND_IDS = {
  login: "awsLogin.login",
  logout: "awsLogin.logout",
  showCallerIdentity: "awsLogin.showCallerIdentity",
  switchProfile: "awsLogin.switchProfile",
  showStatus: "awsLogin.showStatus",
  statusMenu: "awsLogin.statusMenu",
} as const;

const NEW_PROFILE = Symbol("new profile");
const ALL_PROFILES = Symbol("all profiles");

export const COMMON_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-east-1",
  "me-central-1",
  "af-south-1",
];

/** Button labels (the tests click them by name). */
export const BUTTONS = {
  pickAnotherName: "Pick Another Name",
  replace: "Replace",
  signInAgain: "Sign In Again",
  login: "Login",
  copyArn: "Copy ARN",
  switchProfile: "Switch Profile",
} as const;

type LoginOutcome = "done" | "restart";

/** The helper names the config key that gives the profile its other credentials. */
const STYLE_NAMES: Record<string, string> = {
  aws_access_key_id: "access keys",
  sso_session: "IAM Identity Center (SSO)",
  sso_role_name: "IAM Identity Center (SSO)",
  sso_account_id: "IAM Identity Center (SSO)",
  sso_start_url: "IAM Identity Center (SSO)",
  role_arn: "an assumed role",
  web_identity_token_file: "web identity",
  credential_process: "credential_process",
};

function describeStyle(style: string | undefined): string {
  if (!style) {
    return "other";
  }
  return STYLE_NAMES[style] ?? style;
}

export class Commands {
  constructor(private readonly deps: CommandDeps) {}

  private get ui(): Ui {
    return this.deps.ui;
  }

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  /** The profile the status bar shows and the other commands act on. */
  activeProfile(): string {
    return this.deps.store.get() || this.deps.settings().defaultProfile || "default";
  }

  /** The running helper; when it cannot start (the person was told), the status bar says so. */
  private async getHelper(): Promise<HelperConnection | undefined> {
    const h = await this.deps.helper();
    if (!h) {
      this.deps.statusBar?.setUnavailable();
    }
    return h;
  }

  private async setActive(profile: string): Promise<void> {
    await this.deps.store.set(profile);
  }

  // ---------------------------------------------------------------- Login

  async login(options: { profile?: string } = {}): Promise<CompleteLoginResult | undefined> {
    const helper = await this.getHelper();
    if (!helper) {
      return undefined;
    }
    const settings = this.deps.settings();
    let profile = options.profile;
    if (!profile) {
      const profiles = await this.tryListProfiles(helper);
      if (!profiles) {
        return undefined;
      }
      profile = await this.pickProfileForLogin(profiles);
      if (!profile) {
        return undefined;
      }
    }
    let region: string | undefined;
    for (;;) {
      let start: StartLoginResult;
      try {
        start = await helper.sendRequest(startLogin, {
          profile,
          region,
          endpointUrl: settings.endpointUrl || undefined,
          flow: "remote",
        });
      } catch (e) {
        const err = toHelperError(e);
        if (err.kind === "RegionRequired" && region === undefined) {
          region = await this.pickRegion(profile, settings.defaultRegion || err.data.default || DEFAULT_REGION);
          if (!region) {
            return undefined;
          }
          continue;
        }
        if (err.kind === "ProfileHasOtherCredentials") {
          const choice = await this.ui.message(
            "warning",
            `Profile "${profile}" already uses ${describeStyle(err.data.style)} credentials; AWS Login will not change it.`,
            {
              modal: true,
              detail: "Sign in under another profile name, or cancel and leave the profile as it is.",
            },
            BUTTONS.pickAnotherName,
          );
          if (choice !== BUTTONS.pickAnotherName) {
            return undefined;
          }
          profile = await this.askNewProfileName(profile);
          if (!profile) {
            return undefined;
          }
          region = undefined;
          continue;
        }
        await this.showError(err, profile);
        return undefined;
      }
      region = start.region;
      const outcome = await this.finishLogin(helper, start);
      if (outcome === "restart") {
        continue;
      }
      return outcome === "done" ? undefined : outcome;
    }
  }

  private async pickProfileForLogin(profiles: StatusResult[]): Promise<string | undefined> {
    const preferred = this.deps.store.get() || this.deps.settings().defaultProfile;
    const sorted = [...profiles].sort((a, b) => {
      if (a.profile === preferred) return -1;
      if (b.profile === preferred) return 1;
      return a.profile.localeCompare(b.profile);
    });
    const items: PickItem<string | typeof NEW_PROFILE>[] = sorted.map((p) => ({
      label: p.profile,
      description: this.describeProfile(p),
      value: p.profile,
    }));
    items.push({ label: "$(add) New profile…", description: "create a profile for console sign-in", value: NEW_PROFILE });
    const choice = await this.ui.pick(items, {
      title: "AWS Login: choose a profile",
      placeholder: "Profile to sign in with (credentials go to ~/.aws/config and ~/.aws/login/cache)",
    });
    if (choice === undefined) {
      return undefined;
    }
    if (choice === NEW_PROFILE) {
      return this.askNewProfileName();
    }
    return choice;
  }

  private async askNewProfileName(rejected?: string): Promise<string | undefined> {
    const name = await this.ui.input({
      title: "AWS Login: new profile",
      prompt: `Name of the profile to create (${PROFILE_NAME_RULE})`,
      placeholder: "console-dev",
      validate: (v) => {
        const problem = validateProfileName(v.trim());
        if (problem) {
          return problem;
        }
        if (rejected !== undefined && v.trim() === rejected) {
          return `Profile "${rejected}" uses other credentials: choose another name.`;
        }
        return undefined;
      },
    });
    if (name === undefined) {
      return undefined;
    }
    const trimmed = name.trim();
    if (validateProfileName(trimmed) || trimmed === rejected) {
      return undefined;
    }
    // An existing name is fine: the helper decides whether that profile can take a login.
    return trimmed;
  }

  private async pickRegion(profile: string, preferred: string): Promise<string | undefined> {
    const regions = [preferred, ...COMMON_REGIONS.filter((r) => r !== preferred)];
    return this.ui.pick(
      regions.map((r, i) => ({ label: r, description: i === 0 ? "default" : undefined, value: r })),
      {
        title: `AWS Login: region for profile "${profile}"`,
        placeholder: "The profile has no region yet; it is saved with the profile",
      },
    );
  }

  /** Opens the sign-in page, asks for the verification code and completes the login. */
  private async finishLogin(
    helper: HelperConnection,
    start: StartLoginResult,
  ): Promise<LoginOutcome | CompleteLoginResult> {
    const { authorizeUrl } = start;
    // The offer to copy the URL comes first: opening can be blocked, or wait on a dialog.
    const notice = this.ui.signInNotice(
      "Sign in to AWS in the browser tab that opens, then paste the verification code here. No tab?",
      authorizeUrl,
    );
    try {
      await this.ui.openExternal(authorizeUrl);
    } catch {
      // the notice's Copy URL is the way then
    }
    try {
      return await this.askCodeAndComplete(helper, start);
    } finally {
      notice.dispose();
    }
  }

  private async askCodeAndComplete(
    helper: HelperConnection,
    start: StartLoginResult,
  ): Promise<LoginOutcome | CompleteLoginResult> {
    const { loginId, profile } = start;
    let rejected: { value: string; reason: string } | undefined;
    let replaceExisting = false;
    let code: string | undefined;
    for (;;) {
      if (code === undefined) {
        const current = rejected;
        code = await this.ui.input({
          title: `AWS Login: verification code for profile "${profile}"`,
          prompt: current
            ? `${current.reason} Paste the code again.`
            : "After you sign in, the browser shows a verification code: paste it here.",
          placeholder: "verification code",
          value: current?.value,
          ignoreFocusOut: true,
          // The code is a one-time credential: keep it off screen shares and screenshots.
          password: true,
          validate: (v) => {
            if (v.trim() === "") {
              return "Paste the verification code from the sign-in page.";
            }
            if (current && v.trim() === current.value.trim()) {
              return current.reason;
            }
            return undefined;
          },
        });
        if (code === undefined) {
          await this.tryCancel(helper, loginId);
          return "done";
        }
        code = code.trim();
      }
      let result: CompleteLoginResult;
      try {
        const params = replaceExisting ? { loginId, code, replaceExisting } : { loginId, code };
        result = await this.ui.withProgress(`Signing in to AWS (profile ${profile})…`, () =>
          helper.sendRequest(completeLogin, params),
        );
      } catch (e) {
        const err = toHelperError(e);
        switch (err.kind) {
          case "InvalidCode":
            rejected = {
              value: code,
              reason: "That is not a valid verification code: copy the whole code from the sign-in page.",
            };
            code = undefined;
            continue;
          case "StateMismatch":
            rejected = {
              value: code,
              reason: "That code belongs to another sign-in attempt: use the code from the page this login opened.",
            };
            code = undefined;
            continue;
          case "SessionConflict": {
            if (replaceExisting) {
              await this.showError(err, profile);
              await this.tryCancel(helper, loginId);
              return "done";
            }
            const currentSession =
              typeof err.data.current === "string"
                ? err.data.current
                : (await this.tryStatus(helper, profile))?.loginSession;
            const choice = await this.ui.message(
              "warning",
              `Replace the AWS session of profile "${profile}"?`,
              {
                modal: true,
                detail:
                  (currentSession
                    ? `It is signed in as ${currentSession}. `
                    : "It is signed in with a different session. ") +
                  (typeof err.data.new === "string" ? `You just signed in as ${err.data.new}. ` : "") +
                  "Replacing it points the profile at the session you just signed in with.",
              },
              BUTTONS.replace,
            );
            if (choice !== BUTTONS.replace) {
              await this.tryCancel(helper, loginId);
              return "done";
            }
            replaceExisting = true;
            continue; // same code, now with replaceExisting
          }
          case "AuthCodeExpired":
          case "UnknownLogin": {
            const choice = await this.ui.message(
              "warning",
              err.kind === "AuthCodeExpired"
                ? "The verification code expired or was already used. Sign in again to get a new one."
                : "This sign-in attempt is no longer open (it expired or was cancelled). Sign in again.",
              {},
              BUTTONS.signInAgain,
            );
            await this.tryCancel(helper, loginId);
            return choice === BUTTONS.signInAgain ? "restart" : "done";
          }
          default:
            await this.tryCancel(helper, loginId);
            await this.showError(err, profile);
            return "done";
        }
      }
      await this.setActive(result.profile);
      this.deps.statusBar?.update({
        profile: result.profile,
        loginSession: result.loginSession,
        expiresAt: result.expiresAt,
        sessionExpiresAt: result.sessionExpiresAt,
        accountId: result.accountId,
        region: result.region,
        state: "active",
        loggedIn: true,
        credentialSource: "login",
      });
      void this.ui
        .message(
          "info",
          `Logged in to AWS: account ${result.accountId} as ${result.loginSession} (profile ${result.profile}, region ${result.region}).`,
          {},
          BUTTONS.copyArn,
        )
        .then(async (choice) => {
          if (choice === BUTTONS.copyArn) {
            await this.ui.copyToClipboard(result.loginSession);
          }
        });
      // Another credential source (e.g. AWS_* variables) may still win: say so.
      void this.warnIfShadowed(helper, result.profile);
      return result;
    }
  }

  private async warnIfShadowed(helper: HelperConnection, profile: string): Promise<void> {
    const s = await this.tryStatus(helper, profile);
    if (s) {
      this.deps.statusBar?.update(viewFromStatus(s));
      if (s.credentialSource && s.credentialSource !== "login") {
        void this.ui.message(
          "warning",
          `Profile "${profile}" is logged in, but credentials from '${s.credentialSource}' win over it. ${s.problems
            .map((p) => p.message)
            .join(" ")}`.trim(),
          {},
        );
      }
    }
  }

  // ---------------------------------------------------------------- Logout

  async logout(): Promise<number | undefined> {
    const helper = await this.getHelper();
    if (!helper) {
      return undefined;
    }
    const active = this.activeProfile();
    const profiles = await this.tryListProfiles(helper);
    if (!profiles) {
      return undefined;
    }
    const loggedIn = profiles.filter((p) => isLoggedIn(p));
    let target: string | typeof ALL_PROFILES;
    if (loggedIn.length > 1) {
      const sorted = [...loggedIn].sort((a, b) => (a.profile === active ? -1 : b.profile === active ? 1 : 0));
      const choice = await this.ui.pick<string | typeof ALL_PROFILES>(
        [
          ...sorted.map((p) => ({ label: p.profile, description: this.describeProfile(p), value: p.profile })),
          { label: "All profiles", description: "remove every cached login", value: ALL_PROFILES },
        ],
        { title: "AWS Logout", placeholder: "Profile to log out" },
      );
      if (choice === undefined) {
        return undefined;
      }
      target = choice;
    } else if (loggedIn.length === 1) {
      target = loggedIn[0].profile;
    } else {
      target = active;
    }
    try {
      const params = target === ALL_PROFILES ? { all: true } : { profile: target };
      const { removed, alsoLoggedOut } = await helper.sendRequest(logout, params);
      const bar = this.deps.statusBar;
      if (target === ALL_PROFILES || target === bar?.profile || target === active) {
        bar?.update({
          profile: target === ALL_PROFILES ? active : target,
          loginSession: null,
          state: "loggedOut",
          loggedIn: false,
        });
      }
      const what = target === ALL_PROFILES ? "all profiles" : `profile "${target}"`;
      const also = (alsoLoggedOut ?? []).map((name) => `"${name}"`).join(", ");
      void this.ui.message(
        "info",
        removed > 0
          ? `Logged out of ${what}. ` +
              (also ? `Also logged out: ${also} (same console session, shared cached credentials). ` : "") +
              "Credentials already handed to running programs stay valid until they expire."
          : `No cached login to remove for ${what}.`,
        {},
      );
      return removed;
    } catch (e) {
      await this.showError(toHelperError(e), typeof target === "string" ? target : active);
      return undefined;
    }
  }

  // ---------------------------------------------------------------- Caller identity

  async showCallerIdentity(): Promise<string | undefined> {
    const helper = await this.getHelper();
    if (!helper) {
      return undefined;
    }
    const profile = this.activeProfile();
    try {
      const id = await this.ui.withProgress(`Asking STS who profile ${profile} is…`, () =>
        helper.sendRequest(callerIdentity, { profile }),
      );
      void this.ui
        .message("info", `AWS caller identity (profile ${profile}): ${id.Arn} · account ${id.Account}`, {}, BUTTONS.copyArn)
        .then(async (choice) => {
          if (choice === BUTTONS.copyArn) {
            await this.ui.copyToClipboard(id.Arn);
          }
        });
      return id.Arn;
    } catch (e) {
      await this.showError(toHelperError(e), profile);
      return undefined;
    }
  }

  // ---------------------------------------------------------------- Switch profile

  async switchProfile(): Promise<string | undefined> {
    const helper = await this.getHelper();
    if (!helper) {
      return undefined;
    }
    const profiles = await this.tryListProfiles(helper);
    if (!profiles) {
      return undefined;
    }
    const active = this.activeProfile();
    if (profiles.length === 0) {
      const choice = await this.ui.message("info", "There are no AWS profiles yet.", {}, BUTTONS.login);
      if (choice === BUTTONS.login) {
        await this.login();
      }
      return undefined;
    }
    const choice = await this.ui.pick(
      profiles.map((p) => ({
        label: p.profile,
        description: (p.profile === active ? "(active) " : "") + this.describeProfile(p),
        value: p.profile,
      })),
      { title: "AWS: Switch Profile", placeholder: "Profile for the status bar and the AWS Login commands" },
    );
    if (choice === undefined) {
      return undefined;
    }
    await this.setActive(choice);
    await this.refreshStatus(helper);
    return choice;
  }

  // ---------------------------------------------------------------- Status

  async showStatus(): Promise<StatusResult | undefined> {
    const helper = await this.getHelper();
    if (!helper) {
      return undefined;
    }
    const profile = this.activeProfile();
    const s = await this.tryStatus(helper, profile, true);
    if (!s) {
      return undefined;
    }
    this.deps.statusBar?.update(viewFromStatus(s));
    const parts: string[] = [];
    const loggedIn = isLoggedIn(s);
    if (loggedIn) {
      parts.push(`Profile ${s.profile}: logged in as ${s.loginSession}`);
      const details = [s.accountId && `account ${s.accountId}`, s.region && `region ${s.region}`].filter(Boolean);
      if (details.length) {
        parts[0] += ` (${details.join(", ")})`;
      }
      const end = sessionEnd(viewFromStatus(s));
      if (end) {
        const left = end.getTime() - this.now().getTime();
        parts.push(
          left > 0
            ? `${s.sessionExpiresAt ? "session ends" : "credentials expire"} in ${formatTimeLeft(left)}`
            : "session over",
        );
      }
    } else {
      parts.push(`Profile ${s.profile}: not logged in`);
    }
    if (s.credentialSource) {
      parts.push(`credentials in use come from '${s.credentialSource}'`);
    }
    // "Not logged in" is already said above; other problems are worth a warning.
    const problems = (s.problems ?? []).filter((p) => !(p.kind === "NotLoggedIn" || (!loggedIn && p.kind === "CacheMissing")));
    const text = [parts.join("; ") + ".", ...problems.map((p) => p.message)].join(" ");
    const actions = loggedIn && problems.length === 0 ? [BUTTONS.switchProfile] : [BUTTONS.login, BUTTONS.switchProfile];
    void this.ui.message(problems.length ? "warning" : "info", text, {}, ...actions).then(async (choice) => {
      if (choice === BUTTONS.login) {
        await this.login({ profile: s.profile });
      } else if (choice === BUTTONS.switchProfile) {
        await this.switchProfile();
      }
    });
    return s;
  }

  /** The status bar's click: a small menu. */
  async statusMenu(): Promise<void> {
    type Action = "login" | "status" | "identity" | "switch" | "logout";
    const loggedIn = this.deps.statusBar?.isLoggedIn() ?? false;
    const items: PickItem<Action>[] = [
      { label: "$(sign-in) Login…", description: "console sign-in", value: "login" },
      { label: "$(info) Show Login Status", value: "status" },
      { label: "$(account) Show Caller Identity", value: "identity" },
      { label: "$(arrow-swap) Switch Profile…", value: "switch" },
    ];
    if (loggedIn) {
      items.push({ label: "$(sign-out) Logout", value: "logout" });
    }
    const choice = await this.ui.pick(items, { title: `AWS Login (profile ${this.activeProfile()})` });
    switch (choice) {
      case "login":
        await this.login();
        break;
      case "status":
        await this.showStatus();
        break;
      case "identity":
        await this.showCallerIdentity();
        break;
      case "switch":
        await this.switchProfile();
        break;
      case "logout":
        await this.logout();
        break;
      default:
        break;
    }
  }

  /** Asks the helper for the active profile's status and shows it in the status bar. */
  async refreshStatus(helper?: HelperConnection): Promise<void> {
    const h = helper ?? (await this.getHelper());
    if (!h) {
      return;
    }
    const s = await this.tryStatus(h, this.activeProfile());
    if (s) {
      this.deps.statusBar?.update(viewFromStatus(s));
    }
  }

  /** `awsLogin/sessionChanged`: logins and logouts from anywhere (this window, a terminal). */
  async onSessionChanged(change: SessionChangedParams): Promise<void> {
    const bar = this.deps.statusBar;
    const active = this.activeProfile();
    const view: SessionView = {
      profile: change.profile,
      loginSession: change.state === "loggedOut" ? null : change.loginSession,
      expiresAt: change.expiresAt,
      sessionExpiresAt: change.sessionExpiresAt,
      state: change.state,
      loggedIn: change.loggedIn,
    };
    if (change.profile === active) {
      if (change.state === "loggedOut") {
        bar?.update(view);
      } else {
        bar?.merge(view);
      }
      return;
    }
    // A login elsewhere (e.g. `aws login --profile dev` in a terminal) while the active
    // profile has no session: follow it.
    if ((change.state === "active" || change.state === "refreshed") && isLoggedIn(view) && !bar?.isLoggedIn()) {
      await this.setActive(change.profile);
      bar?.update(view);
    }
  }

  // ---------------------------------------------------------------- helpers

  private describeProfile(p: StatusResult): string {
    const region = p.region ? ` · ${p.region}` : " · no region";
    if (isLoggedIn(p)) {
      const end = sessionEnd(p);
      const left = end ? end.getTime() - this.now().getTime() : undefined;
      const time = left === undefined ? "" : left > 0 ? ` · ${formatTimeLeft(left)} left` : " · expired";
      return `logged in${time}${region}`;
    }
    if (p.credentialSource && p.credentialSource !== "login") {
      return `uses ${p.credentialSource} credentials${region}`;
    }
    return `not logged in${region}`;
  }

  private async tryListProfiles(helper: HelperConnection): Promise<StatusResult[] | undefined> {
    try {
      const r = await helper.sendRequest(listProfiles, {});
      return r.profiles ?? [];
    } catch (e) {
      await this.showError(toHelperError(e), undefined);
      return undefined;
    }
  }

  private async tryStatus(helper: HelperConnection, profile: string, report = false): Promise<StatusResult | undefined> {
    try {
      return await helper.sendRequest(status, { profile });
    } catch (e) {
      if (report) {
        await this.showError(toHelperError(e), profile);
      }
      return undefined;
    }
  }

  private async tryCancel(helper: HelperConnection, loginId: string): Promise<void> {
    try {
      await helper.sendRequest(cancelLogin, { loginId });
    } catch {
      // already finished or lapsed: nothing to cancel
    }
  }

  /** One message per failure, worded by `kind`; never a stack trace. */
  async showError(err: HelperError, profile: string | undefined): Promise<void> {
    const p = profile ? `profile "${profile}"` : "the profile";
    switch (err.kind) {
      case "NotLoggedIn":
      case "RefreshRequired": {
        const text =
          err.kind === "NotLoggedIn"
            ? `AWS: ${p} is not logged in.`
            : `AWS: the session of ${p} is over (sessions last up to 12 hours). Log in again.`;
        const choice = await this.ui.message("warning", text, {}, BUTTONS.login);
        if (choice === BUTTONS.login) {
          await this.login(profile ? { profile } : {});
        }
        return;
      }
      case "InsufficientPermissions":
        await this.ui.message(
          "error",
          `AWS sign-in worked, but the identity lacks permission to create CLI credentials (the SignInLocalDevelopmentAccess policy or equivalent). Ask an administrator to grant it, or sign in as another identity.`,
          {},
        );
        return;
      case "NetworkError":
        await this.ui.message("error", `AWS Login could not reach the AWS sign-in endpoint: ${err.message}`, {});
        return;
      case "ServiceError":
        await this.ui.message(
          "error",
          `The AWS sign-in service failed${err.data.status ? ` (HTTP ${err.data.status})` : ""}: ${err.message}`,
          {},
        );
        return;
      default:
        await this.ui.message("error", `AWS Login: ${err.message}`, {});
    }
  }
}

export function viewFromStatus(s: StatusResult): SessionView {
  return {
    profile: s.profile,
    loginSession: s.loginSession,
    expiresAt: s.expiresAt,
    sessionExpiresAt: s.sessionExpiresAt,
    accountId: s.accountId,
    region: s.region,
    credentialSource: s.credentialSource,
    loggedIn: s.loggedIn,
    state: s.loggedIn ? "active" : s.problems.some((p) => p.kind === "SessionExpired") ? "expired" : "loggedOut",
  };
}
