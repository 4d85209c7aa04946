/**
 * The second half of a login: open the sign-in page, ask for the verification code, and
 * complete the login (`awsLogin/completeLogin`), handling each failure kind the way a
 * person expects (paste again, replace the session, sign in again).
 *
 * The verification code goes only to the helper; it never appears in a message.
 */
import {
  CompleteLoginResult,
  HelperConnection,
  HelperError,
  StartLoginResult,
  completeLogin,
  toHelperError,
} from "../lsp_ext";
import { viewFromStatus } from "../statusBar";
import { CommandContext } from "./context";
import { BUTTONS, offerCopyArn, showError } from "./messages";

/** "done": finished or given up (already said); "restart": start a new sign-in. */
export type LoginOutcome = "done" | "restart";

/** A code the helper turned down, and why (shown when asking again). */
interface Rejected {
  value: string;
  reason: string;
}

/** What to do after a failed completeLogin. */
type Next = { retry: "ask"; rejected: Rejected } | { retry: "replace" } | { stop: LoginOutcome };

/** Opens the sign-in page, asks for the verification code and completes the login. */
export async function finishLogin(
  ctx: CommandContext,
  helper: HelperConnection,
  start: StartLoginResult,
  /** A role profile that uses the session being logged in: it stays the active profile. */
  roleProfile?: string,
): Promise<LoginOutcome | CompleteLoginResult> {
  const { authorizeUrl } = start;
  // The offer to copy the URL comes first: opening can be blocked, or wait on a dialog.
  const notice = ctx.ui.signInNotice(
    "Sign in to AWS in the browser tab that opens, then paste the verification code here. No tab?",
    authorizeUrl,
  );
  try {
    await ctx.ui.openExternal(authorizeUrl);
  } catch {
    // the notice's Copy URL is the way then
  }
  try {
    return await askCodeAndComplete(ctx, helper, start, roleProfile);
  } finally {
    notice.dispose();
  }
}

async function askCodeAndComplete(
  ctx: CommandContext,
  helper: HelperConnection,
  start: StartLoginResult,
  roleProfile: string | undefined,
): Promise<LoginOutcome | CompleteLoginResult> {
  const { loginId, profile } = start;
  let rejected: Rejected | undefined;
  let replaceExisting = false;
  let code: string | undefined;
  for (;;) {
    if (code === undefined) {
      code = await askCode(ctx, profile, rejected);
      if (code === undefined) {
        await ctx.cancel(helper, loginId);
        return "done";
      }
    }
    let result: CompleteLoginResult;
    try {
      const params = replaceExisting ? { loginId, code, replaceExisting } : { loginId, code };
      result = await ctx.ui.withProgress(`Signing in to AWS (profile ${profile})…`, () =>
        helper.sendRequest(completeLogin, params),
      );
    } catch (e) {
      const next = await afterCompleteFailed(ctx, helper, start, toHelperError(e), code, replaceExisting);
      if ("stop" in next) {
        return next.stop;
      }
      if (next.retry === "replace") {
        replaceExisting = true; // same code, now with replaceExisting
      } else {
        rejected = next.rejected;
        code = undefined;
      }
      continue;
    }
    await loggedIn(ctx, helper, result, roleProfile);
    return result;
  }
}

async function askCode(ctx: CommandContext, profile: string, rejected: Rejected | undefined): Promise<string | undefined> {
  const code = await ctx.ui.input({
    title: `AWS Login: verification code for profile "${profile}"`,
    prompt: rejected
      ? `${rejected.reason} Paste the code again.`
      : "After you sign in, the browser shows a verification code: paste it here.",
    placeholder: "verification code",
    value: rejected?.value,
    ignoreFocusOut: true,
    // The code is a one-time credential: keep it off screen shares and screenshots.
    password: true,
    validate: (v) => {
      if (v.trim() === "") {
        return "Paste the verification code from the sign-in page.";
      }
      if (rejected && v.trim() === rejected.value.trim()) {
        return rejected.reason;
      }
      return undefined;
    },
  });
  return code?.trim();
}

async function afterCompleteFailed(
  ctx: CommandContext,
  helper: HelperConnection,
  start: StartLoginResult,
  err: HelperError,
  code: string,
  replacing: boolean,
): Promise<Next> {
  const { loginId, profile } = start;
  switch (err.kind) {
    case "InvalidCode":
      return {
        retry: "ask",
        rejected: { value: code, reason: "That is not a valid verification code: copy the whole code from the sign-in page." },
      };
    case "StateMismatch":
      return {
        retry: "ask",
        rejected: {
          value: code,
          reason: "That code belongs to another sign-in attempt: use the code from the page this login opened.",
        },
      };
    case "SessionConflict":
      if (!replacing && (await confirmReplace(ctx, helper, profile, err))) {
        return { retry: "replace" };
      }
      if (replacing) {
        await showError(ctx, err, profile);
      }
      await ctx.cancel(helper, loginId);
      return { stop: "done" };
    case "AuthCodeExpired":
    case "UnknownLogin": {
      const choice = await ctx.ui.message(
        "warning",
        err.kind === "AuthCodeExpired"
          ? "The verification code expired or was already used. Sign in again to get a new one."
          : "This sign-in attempt is no longer open (it expired or was cancelled). Sign in again.",
        {},
        BUTTONS.signInAgain,
      );
      await ctx.cancel(helper, loginId);
      return { stop: choice === BUTTONS.signInAgain ? "restart" : "done" };
    }
    default:
      await ctx.cancel(helper, loginId);
      await showError(ctx, err, profile);
      return { stop: "done" };
  }
}

/** The profile is signed in as another session: replace it? */
async function confirmReplace(
  ctx: CommandContext,
  helper: HelperConnection,
  profile: string,
  err: HelperError,
): Promise<boolean> {
  const currentSession =
    typeof err.data.current === "string" ? err.data.current : (await ctx.status(helper, profile))?.loginSession;
  const choice = await ctx.ui.message(
    "warning",
    `Replace the AWS session of profile "${profile}"?`,
    {
      modal: true,
      detail:
        (currentSession ? `It is signed in as ${currentSession}. ` : "It is signed in with a different session. ") +
        (typeof err.data.new === "string" ? `You just signed in as ${err.data.new}. ` : "") +
        "Replacing it points the profile at the session you just signed in with.",
    },
    BUTTONS.replace,
  );
  return choice === BUTTONS.replace;
}

async function loggedIn(
  ctx: CommandContext,
  helper: HelperConnection,
  result: CompleteLoginResult,
  roleProfile: string | undefined,
): Promise<void> {
  if (roleProfile && roleProfile !== result.profile) {
    await roleLoggedIn(ctx, helper, result, roleProfile);
    return;
  }
  await ctx.setActive(result.profile);
  ctx.statusBar?.update({
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
  offerCopyArn(
    ctx,
    `Logged in to AWS: account ${result.accountId} as ${result.loginSession} (profile ${result.profile}, region ${result.region}).`,
    result.loginSession,
  );
  // Another credential source (e.g. AWS_* variables) may still win: say so.
  void warnIfShadowed(ctx, helper, result.profile);
}

/** The source of `roleProfile` is logged in: show the role profile, as the person chose it. */
async function roleLoggedIn(
  ctx: CommandContext,
  helper: HelperConnection,
  result: CompleteLoginResult,
  roleProfile: string,
): Promise<void> {
  await ctx.setActive(roleProfile);
  const s = await ctx.status(helper, roleProfile);
  if (s) {
    ctx.statusBar?.update(viewFromStatus(s));
  }
  offerCopyArn(
    ctx,
    `Logged in to AWS: account ${result.accountId} as ${result.loginSession} (profile ${result.profile}, region ${result.region}). ` +
      `Profile ${roleProfile} assumes ${s?.roleArn ?? "its role"} with this session.`,
    result.loginSession,
  );
}

async function warnIfShadowed(ctx: CommandContext, helper: HelperConnection, profile: string): Promise<void> {
  const s = await ctx.status(helper, profile);
  if (!s) {
    return;
  }
  ctx.statusBar?.update(viewFromStatus(s));
  if (s.credentialSource && s.credentialSource !== "login") {
    const why = s.problems.map((p) => p.message).join(" ");
    void ctx.ui.message(
      "warning",
      `Profile "${profile}" is logged in, but credentials from '${s.credentialSource}' win over it. ${why}`.trim(),
      {},
    );
  }
}
