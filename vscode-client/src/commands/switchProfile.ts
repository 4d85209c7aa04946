/** AWS: Switch Profile — which profile the status bar shows and the commands act on. */
import { BUTTONS, describeProfile } from "./messages";
import { CommandContext } from "./context";
import { refreshStatus } from "./status";

export async function switchProfile(ctx: CommandContext): Promise<string | undefined> {
  const helper = await ctx.helper();
  if (!helper) {
    return undefined;
  }
  const profiles = await ctx.listProfiles(helper);
  if (!profiles) {
    return undefined;
  }
  if (profiles.length === 0) {
    const choice = await ctx.ui.message("info", "There are no AWS profiles yet.", {}, BUTTONS.login);
    if (choice === BUTTONS.login) {
      await ctx.flows.login();
    }
    return undefined;
  }
  const active = ctx.activeProfile();
  const choice = await ctx.ui.pick(
    profiles.map((p) => ({
      label: p.profile,
      description: (p.profile === active ? "(active) " : "") + describeProfile(p, ctx.now()),
      value: p.profile,
    })),
    { title: "AWS: Switch Profile", placeholder: "Profile for the status bar and the AWS Login commands" },
  );
  if (choice === undefined) {
    return undefined;
  }
  await ctx.setActive(choice);
  await refreshStatus(ctx, helper);
  return choice;
}
