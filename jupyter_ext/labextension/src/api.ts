/**
 * The server extension's endpoints (`{baseUrl}aws-login/…`). Requests go through
 * JupyterLab's `ServerConnection`, which adds the token and the XSRF header the server
 * checks. GETs only read what is on disk; whatever may call AWS or write a file (identity,
 * login, logout) is a POST, which the server's XSRF check guards. A refusal comes back as
 * `ApiError` with the helper's `kind` and one sentence.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  CallerIdentityResult,
  CompleteLoginResult,
  ListProfilesResult,
  LogoutResult,
  StartLoginResult,
  StatusResult
} from '@aws-login-bridge/shared';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: string,
    readonly data: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'aws-login', path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(
      'The Jupyter server cannot be reached — check the connection, then try again.',
      'NetworkError'
    );
  }
  const text = await response.text();
  let body: any = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  if (!response.ok) {
    if (typeof body.kind === 'string') {
      throw new ApiError(String(body.message), body.kind, body.data ?? {});
    }
    throw new ApiError(
      `The Jupyter server refused the request (HTTP ${response.status}) — reload the page and try again.`,
      'ServerError'
    );
  }
  return body as T;
}

function post<T>(path: string, body: unknown): Promise<T> {
  return request<T>(path, { method: 'POST', body: JSON.stringify(body) });
}

export interface ServerState {
  /** The profile kernels started now get (`AWS_PROFILE` of the server), if any. */
  serverProfile: string | null;
  status: StatusResult;
}

export interface LoginDone {
  login: CompleteLoginResult;
  identity: Partial<CallerIdentityResult> & { problem?: string };
  serverProfile: string | null;
}

export const api = {
  state(profile?: string): Promise<ServerState> {
    const query = profile ? `?profile=${encodeURIComponent(profile)}` : '';
    return request<ServerState>(`state${query}`);
  },
  profiles(): Promise<ListProfilesResult> {
    return request<ListProfilesResult>('profiles');
  },
  identity(profile: string): Promise<CallerIdentityResult> {
    return post<CallerIdentityResult>('identity', { profile });
  },
  start(profile: string, region: string | undefined): Promise<StartLoginResult> {
    return post<StartLoginResult>('login/start', { profile, region });
  },
  complete(options: {
    loginId: string;
    profile: string;
    code?: string;
    replaceExisting?: boolean;
    useForKernels: boolean;
    /** The role profile chosen, for kernels, when its source is the one signed in. */
    roleProfile?: string;
  }): Promise<LoginDone> {
    return post<LoginDone>('login/complete', options);
  },
  cancel(loginId: string): Promise<unknown> {
    return post('login/cancel', { loginId });
  },
  logout(profile: string): Promise<LogoutResult> {
    return post<LogoutResult>('logout', { profile });
  },
  /** The event stream's URL (EventSource sends the login cookie; add the token too). */
  eventsUrl(): string {
    const settings = ServerConnection.makeSettings();
    const url = URLExt.join(settings.baseUrl, 'aws-login', 'events');
    return settings.token ? `${url}?token=${encodeURIComponent(settings.token)}` : url;
  }
};
