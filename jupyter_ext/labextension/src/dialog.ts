/**
 * The "AWS sign-in" dialog: Profile and Region, `Sign in`, then the `Open sign-in page`
 * link (a new tab) with the URL as text, the `Verification code` field and
 * `Complete sign-in` — the words of the notebook's `%aws_login` panel. Every refusal is
 * the server's one sentence for its kind; a profile already logged in with another console
 * session asks before `Replace`, and a profile with other credentials is left alone with a
 * new name suggested (as the VS Code extension does). Each step shows only while it
 * applies: the link and the code field go with the login they belong to (a changed
 * Profile or Region cancels it), and once signed in the dialog says what was done in full
 * (a notification's toast would cut it short) until Close.
 *
 * The code goes from its field to the server's `login/complete` and nowhere else; the field
 * is cleared once it has been sent.
 */
import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { ApiError, LoginDone, api } from './api';
import type { StartLoginResult } from '@aws-login-bridge/shared';

export const TITLE = 'AWS sign-in';
export const WAITING_TEXT =
  'Open the sign-in page, sign in with your AWS Console session, then paste the ' +
  'verification code here and press Complete sign-in.';
const DEFAULT_REGION = 'us-east-1';

type Tone = 'info' | 'error';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function field(label: string, input: HTMLInputElement): HTMLLabelElement {
  return element(
    'label',
    { className: 'aws-login-field' },
    element('span', { className: 'aws-login-label' }, label),
    input
  );
}

export interface LoginOptions {
  profile?: string;
  profiles: string[];
  /** Role profiles and the login profile whose session each assumes its role with. */
  sources?: Record<string, string>;
  /** Each profile's region, to fill the Region field when that profile is chosen. */
  regions?: Record<string, string>;
  /** `role`: the role profile chosen, whose source was logged in (it stays the one shown). */
  /** Returns the sentence that says what was done, shown in the dialog. */
  onDone: (done: LoginDone, role?: string) => string;
}

/** The dialog's body: a small state machine (start → waiting ⇄ working → done). */
export class LoginBody extends Widget {
  readonly profile: HTMLInputElement;
  readonly region: HTMLInputElement;
  readonly useForKernels: HTMLInputElement;
  readonly signIn: HTMLButtonElement;
  readonly link: HTMLAnchorElement;
  readonly url: HTMLElement;
  readonly code: HTMLInputElement;
  readonly complete: HTMLButtonElement;
  readonly replace: HTMLButtonElement;
  readonly status: HTMLElement;
  private readonly startSection: HTMLElement;
  private readonly codeSection: HTMLElement;
  /** Typed by hand: then choosing another profile leaves the Region field alone. */
  private regionTyped = false;
  private started: StartLoginResult | undefined;
  /** The role profile chosen when its source is being logged in. */
  private role: string | undefined;
  private busy = false;
  dialog: Dialog<unknown> | undefined;

  constructor(private readonly options: LoginOptions) {
    super();
    this.addClass('aws-login-dialog');
    const list = element('datalist', { id: `aws-login-profiles-${Date.now()}` });
    for (const name of options.profiles) {
      list.append(element('option', { value: name }));
    }
    this.profile = element('input', {
      type: 'text',
      name: 'profile',
      value: options.profile ?? '',
      placeholder: 'default',
      autocomplete: 'off'
    });
    this.profile.setAttribute('list', list.id);
    this.region = element('input', {
      type: 'text',
      name: 'region',
      placeholder: DEFAULT_REGION,
      autocomplete: 'off'
    });
    this.useForKernels = element('input', { type: 'checkbox', checked: true });
    this.signIn = element('button', { className: 'jp-mod-styled jp-mod-accept' }, 'Sign in');
    this.link = element('a', {
      className: 'aws-login-open',
      target: '_blank',
      rel: 'noopener'
    }, 'Open sign-in page ↗');
    this.url = element('code', { className: 'aws-login-url' });
    this.code = element('input', {
      type: 'password',
      name: 'verification-code',
      placeholder: 'Paste the verification code',
      autocomplete: 'off'
    });
    this.complete = element(
      'button',
      { className: 'jp-mod-styled jp-mod-accept' },
      'Complete sign-in'
    );
    this.replace = element('button', { className: 'jp-mod-styled jp-mod-warn' }, 'Replace');
    this.replace.hidden = true;
    this.status = element('div', { className: 'aws-login-message' });
    this.status.setAttribute('role', 'status');

    this.codeSection = element(
      'div',
      { className: 'aws-login-step' },
      element('div', {}, this.link),
      element(
        'div',
        { className: 'aws-login-url-row' },
        element('small', {}, 'Or copy this URL into a browser where you are signed in to the AWS Console:'),
        this.url
      ),
      field('Verification code', this.code),
      element('div', { className: 'aws-login-buttons' }, this.complete, this.replace)
    );
    this.codeSection.hidden = true;

    this.startSection = element(
        'div',
        { className: 'aws-login-step' },
        field('Profile', this.profile),
        field('Region', this.region),
        element(
          'label',
          { className: 'aws-login-check' },
          this.useForKernels,
          ' Use for new kernels'
        ),
        element('div', { className: 'aws-login-buttons' }, this.signIn)
    );
    this.node.append(list, this.startSection, this.codeSection, this.status);
    this.fillRegion();

    this.signIn.addEventListener('click', () => void this.start());
    this.complete.addEventListener('click', () => void this.finish(false));
    this.replace.addEventListener('click', () => void this.finish(true));
    // Enter means the step's button, not the dialog's Close.
    this.onEnter(this.profile, () => void this.start());
    this.onEnter(this.region, () => void this.start());
    this.onEnter(this.code, () => void this.finish(false));
    // A new profile or region needs a new link.
    for (const input of [this.profile, this.region]) {
      input.addEventListener('input', () => this.forget());
    }
    this.region.addEventListener('input', () => {
      this.regionTyped = this.region.value.trim() !== '';
    });
    this.profile.addEventListener('input', () => this.fillRegion());
  }

  /** The chosen profile's own region, unless one was typed. */
  private fillRegion(): void {
    if (this.regionTyped) {
      return;
    }
    const chosen = this.profile.value.trim() || 'default';
    const regions = this.options.regions ?? {};
    this.region.value = Object.prototype.hasOwnProperty.call(regions, chosen)
      ? regions[chosen]
      : '';
  }

  private onEnter(input: HTMLInputElement, action: () => void): void {
    input.addEventListener('keydown', (event: KeyboardEvent) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        event.stopPropagation();
        action();
      }
    });
  }

  say(text: string, tone: Tone = 'info'): void {
    this.status.textContent = text;
    this.status.classList.toggle('aws-login-error', tone === 'error');
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    for (const control of [this.signIn, this.complete, this.replace, this.profile, this.region]) {
      control.disabled = busy;
    }
  }

  /** Drop the pending login (fields changed, dialog closed); it lapses anyway. */
  forget(): void {
    const started = this.started;
    this.started = undefined;
    this.hideCodeStep();
    if (started) {
      void api.cancel(started.loginId).catch(() => undefined);
    }
  }

  /** No login waits for a code: its link and code field go, so none can be used. */
  private hideCodeStep(): void {
    this.codeSection.hidden = true;
    this.replace.hidden = true;
    this.link.removeAttribute('href');
    this.url.textContent = '';
    this.code.value = '';
  }

  async start(): Promise<void> {
    if (this.busy) {
      return;
    }
    this.forget();
    const chosen = this.profile.value.trim() || 'default';
    // A role profile is logged in through the profile whose session it assumes the role with.
    const source = Object.prototype.hasOwnProperty.call(this.options.sources ?? {}, chosen)
      ? this.options.sources?.[chosen]
      : undefined;
    const profile = source ?? chosen;
    this.role = source ? chosen : undefined;
    const region = this.region.value.trim() || undefined;
    this.setBusy(true);
    this.say('Preparing the sign-in link…');
    try {
      this.started = await api.start(profile, region);
    } catch (error) {
      this.refused(error, profile);
      return;
    } finally {
      this.setBusy(false);
    }
    this.region.value = this.started.region;
    this.link.href = this.started.authorizeUrl;
    this.url.textContent = this.started.authorizeUrl;
    this.code.value = '';
    this.codeSection.hidden = false;
    this.say(this.role ? `${viaText(this.role, profile)} ${WAITING_TEXT}` : WAITING_TEXT);
    this.link.focus();
  }

  private refused(error: unknown, profile: string): void {
    const failure = error instanceof ApiError ? error : new ApiError(String(error), 'Unknown');
    this.say(failure.message, 'error');
    if (failure.kind === 'RegionRequired') {
      this.region.value = String(failure.data.default ?? DEFAULT_REGION);
      this.region.focus();
      this.region.select();
    } else if (failure.kind === 'ProfileHasOtherCredentials') {
      // Never touch a profile that gets credentials another way: offer a new name.
      this.profile.value = String(failure.data.suggestion ?? `${profile}-login`);
      this.profile.focus();
      this.profile.select();
    }
  }

  async finish(replaceExisting: boolean): Promise<void> {
    const started = this.started;
    if (this.busy) {
      return;
    }
    if (!started) {
      this.say('There is no sign-in waiting for a code — press Sign in first.', 'error');
      return;
    }
    const code = this.code.value.trim();
    if (!code && !replaceExisting) {
      this.say('Paste the verification code from the sign-in page first.', 'error');
      return;
    }
    this.setBusy(true);
    this.say('Completing sign-in…');
    let done: LoginDone;
    try {
      done = await api.complete({
        loginId: started.loginId,
        profile: started.profile,
        code: replaceExisting ? undefined : code,
        replaceExisting,
        useForKernels: this.useForKernels.checked,
        roleProfile: this.role
      });
    } catch (error) {
      this.setBusy(false);
      this.failedToComplete(error);
      return;
    }
    this.setBusy(false);
    this.started = undefined;
    this.hideCodeStep();
    this.startSection.hidden = true;
    // Said here in full: a notification's toast cuts a long message short.
    this.say(this.options.onDone(done, this.role));
    this.dialog?.node.querySelector<HTMLElement>('.jp-Dialog-footer button')?.focus();
  }

  private failedToComplete(error: unknown): void {
    const failure = error instanceof ApiError ? error : new ApiError(String(error), 'Unknown');
    if (failure.kind === 'InvalidCode' || failure.kind === 'StateMismatch') {
      this.say(failure.message, 'error'); // the same login takes another code
      this.code.focus();
      this.code.select();
      return;
    }
    this.code.value = '';
    if (failure.kind === 'SessionConflict') {
      // The tokens wait in the helper: Replace needs no new code.
      this.say(`${failure.message}. Press Replace to use this sign-in.`, 'error');
      this.replace.hidden = false;
      this.replace.focus();
      return;
    }
    // Any other failure spends the login: a new link is needed.
    this.started = undefined;
    this.hideCodeStep();
    this.say(`${failure.message}. Press Sign in for a new sign-in link.`, 'error');
  }
}

/** Said when a role profile's source is signed in instead. */
export function viaText(role: string, source: string): string {
  return `Profile '${role}' assumes its role with the session of profile '${source}': this signs in profile '${source}'.`;
}

/** Open the dialog; resolves when it closes (signed in or not). */
export async function openLoginDialog(options: LoginOptions): Promise<void> {
  const body = new LoginBody(options);
  const dialog = new Dialog({
    title: TITLE,
    body,
    buttons: [Dialog.cancelButton({ label: 'Close' })],
    defaultButton: -1,
    focusNodeSelector: 'input[name="profile"]'
  });
  body.dialog = dialog;
  dialog.addClass('aws-login-modal');
  try {
    await dialog.launch();
  } finally {
    body.forget();
    dialog.dispose();
  }
}
