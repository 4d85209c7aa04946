/**
 * The boundary between the command logic and VS Code's window/env API. `vscodeUi.ts`
 * implements it with the real API; the unit tests implement it with a scripted fake.
 * Nothing here imports `vscode`.
 */

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface PickOptions {
  title: string;
  placeholder?: string;
  /** Keep the picker open when focus moves elsewhere (another browser tab, …). */
  ignoreFocusOut?: boolean;
}

export interface InputOptions {
  title: string;
  prompt: string;
  placeholder?: string;
  value?: string;
  /** Mask the typed value. */
  password?: boolean;
  /** Keep the box open when focus moves elsewhere (e.g. to the sign-in tab). */
  ignoreFocusOut?: boolean;
  /** Returns an error message for an invalid value, undefined when valid. */
  validate?: (value: string) => string | undefined;
}

export interface MessageOptions {
  modal?: boolean;
  /** Extra text; shown only by modal dialogs. */
  detail?: string;
}

export type Severity = "info" | "warning" | "error";

export interface Ui {
  /** Returns the picked item's value, or undefined when dismissed. */
  pick<T>(items: readonly PickItem<T>[], options: PickOptions): Promise<T | undefined>;
  /** Returns the entered text, or undefined when dismissed. */
  input(options: InputOptions): Promise<string | undefined>;
  /** Shows a message with optional buttons; resolves to the clicked one (undefined when dismissed). */
  message(
    severity: Severity,
    text: string,
    options: MessageOptions,
    ...actions: string[]
  ): Promise<string | undefined>;
  /** Opens a URL in the person's browser (a new tab in a web IDE). */
  openExternal(url: string): Promise<boolean>;
  copyToClipboard(text: string): Promise<void>;
  /**
   * Shows a notification that offers "Copy URL" for `url` until disposed (the login's
   * "sign in in the browser, then paste the code" hint, gone once the login ends).
   */
  signInNotice(text: string, url: string): { dispose(): void };
  /** Runs `task` while a progress notification shows `title`. */
  withProgress<R>(title: string, task: () => Promise<R>): Promise<R>;
}
