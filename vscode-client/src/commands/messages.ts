/** The wording shared by the flows: buttons, how a profile is described, one message per error kind. */
import { formatTimeLeft, isLoggedIn, sessionEnd } from "@aws-login-bridge/shared";
import { HelperError, StatusResult } from "../lsp_ext";
import { Ui } from "../ui";
import type { Flows } from "./flows";

/** What the messages need of a flow's context (a `CommandContext`): whom to tell, and the
 * flows to offer. Only this, so that the context can report through these messages without
 * this module depending on it. */
export interface Speaker {
  readonly ui: Ui;
  readonly flows: Flows;
}

/** Button labels (the tests click them by name). */
export const BUTTONS = {
  pickAnotherName: "Pick Another Name",
  replace: "Replace",
  signInAgain: "Sign In Again",
  login: "Login",
  copyArn: "Copy ARN",
  switchProfile: "Switch Profile",
} as const;

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

export function describeStyle(style: string | undefined): string {
  if (!style) {
    return "other";
  }
  return STYLE_NAMES[style] ?? style;
}

/** A profile in a picker: logged in or not (and time left), its credential source, its region. */
export function describeProfile(p: StatusResult, now: Date): string {
  const region = p.region ? ` · ${p.region}` : " · no region";
  // A role assumed with another profile's login session lives and dies with that session.
  const via = p.sourceProfile ? `role via ${p.sourceProfile} · ` : "";
  if (isLoggedIn(p)) {
    const end = sessionEnd(p);
    const left = end ? end.getTime() - now.getTime() : undefined;
    const time = left === undefined ? "" : left > 0 ? ` · ${formatTimeLeft(left)} left` : " · expired";
    return `${via}logged in${time}${region}`;
  }
  if (p.sourceProfile) {
    return `${via}not logged in (log in to ${p.sourceProfile})${region}`;
  }
  if (p.credentialSource && p.credentialSource !== "login") {
    return `uses ${p.credentialSource} credentials${region}`;
  }
  return `not logged in${region}`;
}

/** An information message whose "Copy ARN" button copies `arn`. */
export function offerCopyArn(ctx: Speaker, text: string, arn: string): void {
  void ctx.ui.message("info", text, {}, BUTTONS.copyArn).then(async (choice) => {
    if (choice === BUTTONS.copyArn) {
      await ctx.ui.copyToClipboard(arn);
    }
  });
}

/** One message per failure, worded by `kind`; never a stack trace. */
export async function showError(ctx: Speaker, err: HelperError, profile: string | undefined): Promise<void> {
  const p = profile ? `profile "${profile}"` : "the profile";
  switch (err.kind) {
    case "NotLoggedIn":
    case "RefreshRequired": {
      const text =
        err.kind === "NotLoggedIn"
          ? `AWS: ${p} is not logged in.`
          : `AWS: the session of ${p} is over (sessions last up to 12 hours). Log in again.`;
      const choice = await ctx.ui.message("warning", text, {}, BUTTONS.login);
      if (choice === BUTTONS.login) {
        await ctx.flows.login(profile ? { profile } : {});
      }
      return;
    }
    case "InsufficientPermissions":
      await ctx.ui.message(
        "error",
        `AWS sign-in worked, but the identity lacks permission to create CLI credentials (the SignInLocalDevelopmentAccess policy or equivalent). Ask an administrator to grant it, or sign in as another identity.`,
        {},
      );
      return;
    case "NetworkError":
      await ctx.ui.message("error", `AWS Login could not reach the AWS sign-in endpoint: ${err.message}`, {});
      return;
    case "ServiceError":
      await ctx.ui.message(
        "error",
        `The AWS sign-in service failed${err.data.status ? ` (HTTP ${err.data.status})` : ""}: ${err.message}`,
        {},
      );
      return;
    default:
      await ctx.ui.message("error", `AWS Login: ${err.message}`, {});
  }
}
