/**
 * AWS: Show Login Status, the status bar's menu, and keeping the status bar current
 * (`awsLogin/status` on demand, `awsLogin/sessionChanged` as it happens).
 */
import { HelperConnection, SessionChangedParams, StatusResult, listProfiles } from "../lsp_ext";
import { SessionView, followSource, formatTimeLeft, isLoggedIn, sessionEnd, viewFromStatus } from "../statusBar";
import { PickItem } from "../ui";
import { CommandContext } from "./context";
import { BUTTONS } from "./messages";

export async function showStatus(ctx: CommandContext): Promise<StatusResult | undefined> {
  const helper = await ctx.helper();
  if (!helper) {
    return undefined;
  }
  const s = await ctx.status(helper, ctx.activeProfile(), true);
  if (!s) {
    return undefined;
  }
  ctx.statusBar?.update(viewFromStatus(s));
  const loggedIn = isLoggedIn(s);
  // "Not logged in" is said anyway; other problems are worth a warning.
  const problems = s.problems.filter((p) => !(p.kind === "NotLoggedIn" || (!loggedIn && p.kind === "CacheMissing")));
  const text = [statusSentence(s, ctx.now()), ...problems.map((p) => p.message)].join(" ");
  const actions = loggedIn && problems.length === 0 ? [BUTTONS.switchProfile] : [BUTTONS.login, BUTTONS.switchProfile];
  void ctx.ui.message(problems.length ? "warning" : "info", text, {}, ...actions).then(async (choice) => {
    if (choice === BUTTONS.login) {
      await ctx.flows.login({ profile: s.profile });
    } else if (choice === BUTTONS.switchProfile) {
      await ctx.flows.switchProfile();
    }
  });
  return s;
}

/** `Profile p: logged in as … (account …, region …); session ends in 11h; …`. */
function statusSentence(s: StatusResult, now: Date): string {
  const parts: string[] = [];
  if (isLoggedIn(s)) {
    const details = [s.accountId && `account ${s.accountId}`, s.region && `region ${s.region}`].filter(Boolean);
    const who = s.sourceProfile
      ? `assumes ${s.roleArn ?? "a role"} with the session of profile ${s.sourceProfile}` +
        (s.loginSession ? ` (${s.loginSession})` : "")
      : `logged in as ${s.loginSession}`;
    parts.push(`Profile ${s.profile}: ${who}` + (details.length ? ` (${details.join(", ")})` : ""));
    const end = sessionEnd(viewFromStatus(s));
    if (end) {
      const left = end.getTime() - now.getTime();
      parts.push(
        left > 0 ? `${s.sessionExpiresAt ? "session ends" : "credentials expire"} in ${formatTimeLeft(left)}` : "session over",
      );
    }
  } else if (s.sourceProfile) {
    parts.push(
      `Profile ${s.profile}: assumes ${s.roleArn ?? "a role"} with the session of profile ${s.sourceProfile}, ` +
        `which is not logged in: log in to profile ${s.sourceProfile}`,
    );
  } else {
    parts.push(`Profile ${s.profile}: not logged in`);
  }
  if (s.credentialSource) {
    parts.push(`credentials in use come from '${s.credentialSource}'`);
  }
  return parts.join("; ") + ".";
}

/** The status bar's click: a small menu. */
export async function statusMenu(ctx: CommandContext): Promise<void> {
  type Action = "login" | "status" | "identity" | "switch" | "logout";
  const items: PickItem<Action>[] = [
    { label: "$(sign-in) Login…", description: "console sign-in", value: "login" },
    { label: "$(info) Show Login Status", value: "status" },
    { label: "$(account) Show Caller Identity", value: "identity" },
    { label: "$(arrow-swap) Switch Profile…", value: "switch" },
  ];
  if (ctx.statusBar?.isLoggedIn()) {
    items.push({ label: "$(sign-out) Logout", value: "logout" });
  }
  const choice = await ctx.ui.pick(items, { title: `AWS Login (profile ${ctx.activeProfile()})` });
  const flows = ctx.flows;
  const run: Record<Action, () => Promise<unknown>> = {
    login: () => flows.login(),
    status: () => flows.showStatus(),
    identity: () => flows.showCallerIdentity(),
    switch: () => flows.switchProfile(),
    logout: () => flows.logout(),
  };
  if (choice !== undefined) {
    await run[choice]();
  }
}

/** Asks the helper for the active profile's status and shows it in the status bar. */
export async function refreshStatus(ctx: CommandContext, helper?: HelperConnection): Promise<void> {
  const h = helper ?? (await ctx.helper());
  if (!h) {
    return;
  }
  const s = await ctx.status(h, ctx.activeProfile());
  if (s) {
    ctx.statusBar?.update(viewFromStatus(s));
  }
}

/**
 * The status bar's first content when the helper starts in the background: the active
 * profile's session; or, when the person never chose a profile and that one has none, the
 * first profile that has one (a login made in a terminal before the editor opened). Quiet:
 * nobody asked, so a failure leaves the status bar as it is.
 */
export async function showSessionAtStart(ctx: CommandContext): Promise<void> {
  const h = await ctx.helper();
  if (!h) {
    return;
  }
  await refreshStatus(ctx, h);
  if (ctx.statusBar?.isLoggedIn() || ctx.chosenProfile()) {
    return;
  }
  let profiles: StatusResult[];
  try {
    profiles = (await h.sendRequest(listProfiles, {})).profiles ?? [];
  } catch {
    return;
  }
  // A login profile first: a role profile assumed with its session would name it anyway.
  const first = profiles.find((p) => isLoggedIn(p) && !p.sourceProfile) ?? profiles.find((p) => isLoggedIn(p));
  if (first) {
    await ctx.setActive(first.profile);
    ctx.statusBar?.update(viewFromStatus(first));
  }
}

/** `awsLogin/sessionChanged`: logins and logouts from anywhere (this window, a terminal). */
export async function onSessionChanged(ctx: CommandContext, change: SessionChangedParams): Promise<void> {
  const bar = ctx.statusBar;
  const view: SessionView = {
    profile: change.profile,
    loginSession: change.state === "loggedOut" ? null : change.loginSession,
    expiresAt: change.expiresAt,
    sessionExpiresAt: change.sessionExpiresAt,
    state: change.state,
    loggedIn: change.loggedIn,
    sourceProfile: change.sourceProfile,
    roleArn: change.roleArn,
  };
  const shown = bar?.current;
  if (shown?.sourceProfile && change.profile === shown.sourceProfile && shown.profile === ctx.activeProfile()) {
    // The session the shown role is assumed with changed: the role follows it, and stays shown.
    bar?.update(followSource(shown, view));
    return;
  }
  if (change.profile === ctx.activeProfile()) {
    if (change.state === "loggedOut") {
      bar?.update(view);
    } else {
      bar?.merge(view);
    }
    return;
  }
  // A login elsewhere (e.g. `aws login --profile dev` in a terminal) while the active
  // profile has no session: follow it.
  // The login itself is followed, not each role profile assumed with it (told as well).
  if (isLoggedIn(view) && !bar?.isLoggedIn() && !change.sourceProfile) {
    await ctx.setActive(change.profile);
    bar?.update(view);
  }
}
