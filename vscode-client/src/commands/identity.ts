/** AWS: Show Caller Identity — STS GetCallerIdentity for the active profile. */
import { callerIdentity, toHelperError } from "../lsp_ext";
import { CommandContext } from "./context";
import { offerCopyArn, showError } from "./messages";

export async function showCallerIdentity(ctx: CommandContext): Promise<string | undefined> {
  const helper = await ctx.helper();
  if (!helper) {
    return undefined;
  }
  const profile = ctx.activeProfile();
  try {
    const id = await ctx.ui.withProgress(`Asking STS who profile ${profile} is…`, () =>
      helper.sendRequest(callerIdentity, { profile }),
    );
    offerCopyArn(ctx, `AWS caller identity (profile ${profile}): ${id.Arn} · account ${id.Account}`, id.Arn);
    return id.Arn;
  } catch (e) {
    await showError(ctx, toHelperError(e), profile);
    return undefined;
  }
}
