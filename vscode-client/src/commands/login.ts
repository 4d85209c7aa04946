/**
 * AWS: Login — choose a profile (or name a new one), a region if it has none, then start
 * the sign-in (`awsLogin/startLogin`) and hand over to `signIn.ts` for the code.
 */
import { DEFAULT_REGION, validateProfileName } from "../config";
import {
  CompleteLoginResult,
  HelperConnection,
  HelperError,
  PROFILE_NAME_RULE,
  StartLoginResult,
  StatusResult,
  startLogin,
  status,
  toHelperError,
} from "../lsp_ext";
import { PickItem } from "../ui";
import { CommandContext } from "./context";
import { BUTTONS, describeProfile, describeStyle, showError } from "./messages";
import { finishLogin } from "./signIn";

const NEW_PROFILE = Symbol("new profile");

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

/** What to try next after `startLogin` refused: another profile or region, or stop. */
type Retry = { profile: string; region: string | undefined } | undefined;

export async function login(
  ctx: CommandContext,
  options: { profile?: string } = {},
): Promise<CompleteLoginResult | undefined> {
  const helper = await ctx.helper();
  if (!helper) {
    return undefined;
  }
  let profile = options.profile;
  let picked: StatusResult | undefined;
  if (!profile) {
    const profiles = await ctx.listProfiles(helper);
    profile = profiles && (await pickProfileForLogin(ctx, profiles));
    if (!profile) {
      return undefined;
    }
    picked = profiles?.find((p) => p.profile === profile);
  }
  // A role profile is logged in by logging in the profile whose session it assumes the
  // role with; the role profile stays the one shown and acted on.
  const source = picked ? picked.sourceProfile : await sourceProfileOf(helper, profile);
  const shown = source ? profile : undefined;
  profile = source || profile;
  let region: string | undefined;
  for (;;) {
    let start: StartLoginResult;
    try {
      start = await helper.sendRequest(startLogin, {
        profile,
        region,
        endpointUrl: ctx.deps.settings().endpointUrl || undefined,
        flow: "remote",
      });
    } catch (e) {
      const retry = await afterStartFailed(ctx, toHelperError(e), profile, region);
      if (!retry) {
        return undefined;
      }
      ({ profile, region } = retry);
      continue;
    }
    region = start.region;
    const outcome = await finishLogin(ctx, helper, start, shown);
    if (outcome !== "restart") {
      return outcome === "done" ? undefined : outcome;
    }
  }
}

/** The login profile whose session `profile` assumes its role with, or null (asked quietly: on
 * a failure the login goes ahead with `profile`, and startLogin says what is wrong). */
async function sourceProfileOf(helper: HelperConnection, profile: string): Promise<string | null> {
  try {
    return (await helper.sendRequest(status, { profile, refresh: false })).sourceProfile ?? null;
  } catch {
    return null;
  }
}

async function afterStartFailed(
  ctx: CommandContext,
  err: HelperError,
  profile: string,
  region: string | undefined,
): Promise<Retry> {
  if (err.kind === "RegionRequired" && region === undefined) {
    const preferred = ctx.deps.settings().defaultRegion || err.data.default || DEFAULT_REGION;
    const picked = await pickRegion(ctx, profile, preferred);
    return picked ? { profile, region: picked } : undefined;
  }
  if (err.kind === "ProfileHasOtherCredentials") {
    const choice = await ctx.ui.message(
      "warning",
      `Profile "${profile}" already uses ${describeStyle(err.data.style)} credentials; AWS Login will not change it.`,
      {
        modal: true,
        detail: "Sign in under another profile name, or cancel and leave the profile as it is.",
      },
      BUTTONS.pickAnotherName,
    );
    const other = choice === BUTTONS.pickAnotherName ? await askNewProfileName(ctx, profile) : undefined;
    return other ? { profile: other, region: undefined } : undefined;
  }
  await showError(ctx, err, profile);
  return undefined;
}

/** Every profile with its region and whether it is logged in, the active one first. */
async function pickProfileForLogin(ctx: CommandContext, profiles: StatusResult[]): Promise<string | undefined> {
  const preferred = ctx.chosenProfile();
  const sorted = [...profiles].sort((a, b) => {
    if (a.profile === preferred) return -1;
    if (b.profile === preferred) return 1;
    return a.profile.localeCompare(b.profile);
  });
  const items: PickItem<string | typeof NEW_PROFILE>[] = sorted.map((p) => ({
    label: p.profile,
    description: describeProfile(p, ctx.now()),
    value: p.profile,
  }));
  items.push({ label: "$(add) New profile…", description: "create a profile for console sign-in", value: NEW_PROFILE });
  const choice = await ctx.ui.pick(items, {
    title: "AWS Login: choose a profile",
    placeholder: "Profile to sign in with (credentials go to ~/.aws/config and ~/.aws/login/cache)",
  });
  if (choice === NEW_PROFILE) {
    return askNewProfileName(ctx);
  }
  return choice;
}

async function askNewProfileName(ctx: CommandContext, rejected?: string): Promise<string | undefined> {
  const problem = (v: string): string | undefined => {
    const invalid = validateProfileName(v);
    if (invalid === undefined && rejected !== undefined && v === rejected) {
      return `Profile "${rejected}" uses other credentials: choose another name.`;
    }
    return invalid;
  };
  const name = await ctx.ui.input({
    title: "AWS Login: new profile",
    prompt: `Name of the profile to create (${PROFILE_NAME_RULE})`,
    placeholder: "console-dev",
    validate: (v) => problem(v.trim()),
  });
  const trimmed = name?.trim();
  // An existing name is fine: the helper decides whether that profile can take a login.
  return trimmed === undefined || problem(trimmed) ? undefined : trimmed;
}

async function pickRegion(ctx: CommandContext, profile: string, preferred: string): Promise<string | undefined> {
  const regions = [preferred, ...COMMON_REGIONS.filter((r) => r !== preferred)];
  return ctx.ui.pick(
    regions.map((r, i) => ({ label: r, description: i === 0 ? "default" : undefined, value: r })),
    {
      title: `AWS Login: region for profile "${profile}"`,
      placeholder: "The profile has no region yet; it is saved with the profile",
    },
  );
}
