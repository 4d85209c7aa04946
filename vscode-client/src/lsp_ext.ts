/**
 * The helper's JSON-RPC contract, declared once and typed (see docs/protocol.md and the
 * project's rpc-contract reference). Every custom request and notification the extension
 * uses is here; nothing else in the extension spells a method name.
 *
 * This module imports only `vscode-jsonrpc`, so the unit tests use the same declarations
 * over a plain JSON-RPC connection to the real helper subprocess.
 */
import { NotificationType, RequestType, ResponseError } from "vscode-jsonrpc";

/** ISO-8601 UTC, e.g. `2026-11-26T08:15:00Z`. */
export type IsoTime = string;

export type LoginFlow = "remote" | "sameDevice";

export interface StartLoginParams {
  profile: string;
  region?: string;
  endpointUrl?: string;
  flow?: LoginFlow;
}
export interface StartLoginResult {
  loginId: string;
  authorizeUrl: string;
  profile: string;
  region: string;
  flow: LoginFlow;
  /** When this pending login lapses. */
  expiresAt: IsoTime;
}

export interface CompleteLoginParams {
  loginId: string;
  /** The verification code as pasted (omitted for `sameDevice`). */
  code?: string;
  replaceExisting?: boolean;
}
export interface CompleteLoginResult {
  profile: string;
  /** The login session ARN (`arn:aws:sts::123456789012:assumed-role/…`). */
  loginSession: string;
  accountId: string;
  region: string;
  /** When the access credentials expire. */
  expiresAt: IsoTime;
  /** Optional extension: when the whole (12-hour) session ends. */
  sessionExpiresAt?: IsoTime | null;
}

export interface CancelLoginParams {
  loginId: string;
}

export interface LogoutParams {
  profile?: string;
  all?: boolean;
}
export interface LogoutResult {
  removed: number;
  /** Other profiles that shared the deleted cache file (same console session). */
  alsoLoggedOut: string[];
}

export interface ProfileParams {
  profile: string;
}

export interface Problem {
  kind: string;
  message: string;
}
export interface StatusResult {
  profile: string;
  loginSession: string | null;
  accountId: string | null;
  region: string | null;
  expiresAt: IsoTime | null;
  /** botocore's method name of the credential source that wins (`login`, `env`, …), or null. */
  credentialSource: string | null;
  problems: Problem[];
  /** Optional extension: when the whole (12-hour) session ends. */
  sessionExpiresAt?: IsoTime | null;
}

export interface ProfileSummary {
  profile: string;
  loginSession: string | null;
  expiresAt: IsoTime | null;
  credentialSource: string | null;
  sessionExpiresAt?: IsoTime | null;
}
export interface ListProfilesResult {
  profiles: ProfileSummary[];
}

export interface CallerIdentityResult {
  UserId: string;
  Account: string;
  Arn: string;
}

export type SessionState = "active" | "refreshed" | "expired" | "loggedOut";
export interface SessionChangedParams {
  profile: string;
  loginSession: string | null;
  expiresAt: IsoTime | null;
  state: SessionState;
  sessionExpiresAt?: IsoTime | null;
}

/** The `data` of a failed request. */
export type ErrorKind =
  | "ProfileHasOtherCredentials"
  | "RegionRequired"
  | "InvalidCode"
  | "StateMismatch"
  | "AuthCodeExpired"
  | "InsufficientPermissions"
  | "SessionConflict"
  | "UnknownLogin"
  | "NotLoggedIn"
  | "RefreshRequired"
  | "ServiceError"
  | "NetworkError";

export interface ErrorData {
  kind: ErrorKind;
  /** ProfileHasOtherCredentials: the config key behind it (`aws_access_key_id`, `sso_session`, `role_arn`, …). */
  style?: string;
  /** RegionRequired: the region to offer (`us-east-1`). */
  default?: string;
  /** ServiceError: HTTP status, when there was one. */
  status?: number;
  [extra: string]: unknown;
}

export const startLogin = new RequestType<StartLoginParams, StartLoginResult, ErrorData>(
  "awsLogin/startLogin",
);
export const completeLogin = new RequestType<CompleteLoginParams, CompleteLoginResult, ErrorData>(
  "awsLogin/completeLogin",
);
export const cancelLogin = new RequestType<CancelLoginParams, null, ErrorData>(
  "awsLogin/cancelLogin",
);
export const logout = new RequestType<LogoutParams, LogoutResult, ErrorData>("awsLogin/logout");
export const status = new RequestType<ProfileParams, StatusResult, ErrorData>("awsLogin/status");
export const listProfiles = new RequestType<Record<string, never>, ListProfilesResult, ErrorData>(
  "awsLogin/listProfiles",
);
export const callerIdentity = new RequestType<ProfileParams, CallerIdentityResult, ErrorData>(
  "awsLogin/callerIdentity",
);

export const sessionChanged = new NotificationType<SessionChangedParams>("awsLogin/sessionChanged");

/**
 * What the command logic needs from a connection to the helper. Both
 * `vscode-languageclient`'s `LanguageClient` and a `vscode-jsonrpc` `MessageConnection`
 * provide it.
 */
export interface HelperConnection {
  sendRequest<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): { dispose(): void };
}

/** A failed request, reduced to what clients branch on. */
export class HelperError extends Error {
  constructor(
    readonly kind: ErrorKind | "Unknown",
    message: string,
    readonly data: Partial<ErrorData> = {},
  ) {
    super(message);
    this.name = "HelperError";
  }
}

/** The `data.kind` of a JSON-RPC error (or "Unknown" for anything else). */
export function toHelperError(e: unknown): HelperError {
  if (e instanceof HelperError) {
    return e;
  }
  const err = e as { message?: unknown; data?: unknown; code?: unknown } | undefined;
  const message = typeof err?.message === "string" ? err.message : String(e);
  const data = err && typeof err.data === "object" && err.data !== null ? (err.data as Partial<ErrorData>) : {};
  if (e instanceof ResponseError || typeof data.kind === "string") {
    return new HelperError((data.kind as ErrorKind | undefined) ?? "Unknown", message, data);
  }
  return new HelperError("Unknown", message, data);
}
