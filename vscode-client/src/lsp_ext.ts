/**
 * The helper's protocol as the extension uses it: the generated declarations
 * (`generated/protocol.ts`, written by scripts/gen-protocol from
 * server/aws_login_bridge/protocol.py) plus the connection interface and the client-side
 * error type. Nothing else in the extension spells a method name.
 *
 * This module imports only `vscode-jsonrpc`, so the unit tests use the same declarations
 * over a plain JSON-RPC connection to the real helper subprocess.
 */
import { NotificationType, RequestType } from "vscode-jsonrpc";
import { ERROR_KINDS, ErrorData, ErrorKind } from "./generated/protocol";

export * from "./generated/protocol";

/**
 * What the command logic needs from a connection to the helper. Both
 * `vscode-languageclient`'s `LanguageClient` and a `vscode-jsonrpc` `MessageConnection`
 * provide it.
 */
export interface HelperConnection {
  sendRequest<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): { dispose(): void };
}

/** A declared kind, or "Unknown" for a failure that did not come from the helper. */
export type HelperErrorKind = ErrorKind | "Unknown";

/** A failed request, reduced to what clients branch on. */
export class HelperError extends Error {
  constructor(
    readonly kind: HelperErrorKind,
    message: string,
    readonly data: Partial<ErrorData> = {},
  ) {
    super(message);
    this.name = "HelperError";
  }
}

function isErrorKind(value: unknown): value is ErrorKind {
  return (ERROR_KINDS as readonly unknown[]).includes(value);
}

/** The `data.kind` of a JSON-RPC error (or "Unknown" for anything else). */
export function toHelperError(e: unknown): HelperError {
  if (e instanceof HelperError) {
    return e;
  }
  const err = e as { message?: unknown; data?: unknown } | undefined;
  const message = typeof err?.message === "string" ? err.message : String(e);
  const data = err && typeof err.data === "object" && err.data !== null ? (err.data as Partial<ErrorData>) : {};
  return new HelperError(isErrorKind(data.kind) ? data.kind : "Unknown", message, data);
}
