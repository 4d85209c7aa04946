/** AWS: Logout — the one logged-in profile, or a choice among several (or all of them). */
import { REVOKED_TEXT } from "@aws-login-bridge/shared";
import { HelperConnection, StatusResult, logout as logoutRequest, toHelperError } from "../lsp_ext";
import { followSource, isLoggedIn } from "../statusBar";
import { CommandContext } from "./context";
import { describeProfile, showError } from "./messages";

const ALL_PROFILES = Symbol("all profiles");
type Target = string | typeof ALL_PROFILES;

export async function logout(ctx: CommandContext): Promise<number | undefined> {
  const helper = await ctx.helper();
  if (!helper) {
    return undefined;
  }
  const profiles = await ctx.listProfiles(helper);
  const target = profiles && (await chooseTarget(ctx, profiles));
  if (target === undefined) {
    return undefined;
  }
  return logoutOf(ctx, helper, target);
}

async function chooseTarget(ctx: CommandContext, profiles: StatusResult[]): Promise<Target | undefined> {
  const active = ctx.activeProfile();
  // A logout ends a login session: a role profile has none of its own (its source is listed).
  const loggedIn = profiles.filter((p) => isLoggedIn(p) && !p.sourceProfile);
  if (loggedIn.length === 0) {
    // A role profile's session is its source's.
    return profiles.find((p) => p.profile === active)?.sourceProfile || active;
  }
  if (loggedIn.length === 1) {
    return loggedIn[0].profile;
  }
  const sorted = [...loggedIn].sort((a, b) => (a.profile === active ? -1 : b.profile === active ? 1 : 0));
  return ctx.ui.pick<Target>(
    [
      ...sorted.map((p) => ({ label: p.profile, description: describeProfile(p, ctx.now()), value: p.profile })),
      { label: "All profiles", description: "remove every cached login", value: ALL_PROFILES },
    ],
    { title: "AWS Logout", placeholder: "Profile to log out" },
  );
}

async function logoutOf(ctx: CommandContext, helper: HelperConnection, target: Target): Promise<number | undefined> {
  const active = ctx.activeProfile();
  try {
    const params = target === ALL_PROFILES ? { all: true } : { profile: target };
    const { removed, alsoLoggedOut, revoked, revokeProblem } = await helper.sendRequest(logoutRequest, params);
    const bar = ctx.statusBar;
    const shown = bar?.current;
    if (shown?.sourceProfile && (target === ALL_PROFILES || target === shown.sourceProfile)) {
      // The shown role was assumed with that session: it stays shown, now without one.
      bar?.update(followSource(shown, { loginSession: null, sessionExpiresAt: null, state: "loggedOut", loggedIn: false }));
    } else if (target === ALL_PROFILES || target === bar?.profile || target === active) {
      bar?.update({
        profile: target === ALL_PROFILES ? active : target,
        loginSession: null,
        state: "loggedOut",
        loggedIn: false,
      });
    }
    const what = target === ALL_PROFILES ? "all profiles" : `profile "${target}"`;
    const also = (alsoLoggedOut ?? []).map((name) => `"${name}"`).join(", ");
    // Said only when the helper says so: an older helper answers without `revoked`.
    const revoke = revokeProblem ? `${revokeProblem} ` : revoked ? `${REVOKED_TEXT} ` : "";
    void ctx.ui.message(
      revokeProblem ? "warning" : "info",
      removed > 0
        ? `Logged out of ${what}. ` +
            (also ? `Also logged out: ${also} (same console session, shared cached credentials). ` : "") +
            revoke +
            "Credentials already handed to running programs stay valid until they expire."
        : `No cached login to remove for ${what}.` + (revokeProblem ? ` ${revokeProblem}` : ""),
      {},
    );
    return removed;
  } catch (e) {
    await showError(ctx, toHelperError(e), typeof target === "string" ? target : active);
    return undefined;
  }
}
