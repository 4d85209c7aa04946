/**
 * The helper's result shapes that the server extension passes through unchanged.
 * (To be replaced by the declarations `scripts/gen-protocol` writes.)
 */

export type SessionState = 'active' | 'refreshed' | 'expired' | 'loggedOut';

export interface SessionChangedParams {
  profile: string;
  loginSession: string | null;
  expiresAt: string | null;
  state: SessionState;
  sessionExpiresAt?: string | null;
}

export interface StartLoginResult {
  loginId: string;
  authorizeUrl: string;
  profile: string;
  region: string;
  flow: string;
  expiresAt: string;
}

export interface CompleteLoginResult {
  profile: string;
  loginSession: string;
  accountId: string;
  region: string;
  expiresAt: string;
  sessionExpiresAt?: string | null;
  replaced?: string | null;
}

export interface StatusProblem {
  kind: string;
  message: string;
}

export interface StatusResult {
  profile: string;
  loginSession: string | null;
  accountId: string | null;
  region: string | null;
  expiresAt: string | null;
  credentialSource: string | null;
  problems: StatusProblem[];
  sessionExpiresAt?: string | null;
}

export interface ProfileSummary {
  profile: string;
  loginSession: string | null;
  expiresAt: string | null;
  credentialSource: string | null;
  sessionExpiresAt?: string | null;
  region?: string | null;
  loggedIn?: boolean;
}

export interface ListProfilesResult {
  profiles: ProfileSummary[];
}

export interface CallerIdentityResult {
  UserId: string;
  Account: string;
  Arn: string;
}
