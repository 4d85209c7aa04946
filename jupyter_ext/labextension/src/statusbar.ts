/**
 * The status bar item: `aws: lab · 11h` or `aws: not logged in`; the warning colour in
 * the last 15 minutes of the sign-in, with one notification offering `Log in again`.
 * A click opens a menu with the three commands.
 */
import { Notification } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Menu, Widget } from '@lumino/widgets';

import { SessionModel, render } from './session';
import { sessionKey } from './sessionTime';

export const LOG_IN_AGAIN = 'Log in again';

export class AwsStatusItem extends Widget {
  private readonly timer: ReturnType<typeof setInterval>;
  private warned = new Set<string>();

  constructor(
    private readonly model: SessionModel,
    private readonly commands: CommandRegistry,
    private readonly menu: Menu,
    private readonly loginCommand: string,
    refreshMs = 30_000
  ) {
    super({ node: document.createElement('button') });
    this.addClass('aws-login-statusbar');
    this.addClass('jp-StatusBar-TextItem');
    this.node.addEventListener('click', () => this.openMenu());
    model.changed.connect(() => this.update(), this);
    this.timer = setInterval(() => this.update(), refreshMs);
    this.update();
  }

  private openMenu(): void {
    const box = this.node.getBoundingClientRect();
    this.menu.open(box.left, box.top, { forceY: false });
  }

  protected onUpdateRequest(): void {
    const view = this.model.view;
    const shown = render(view, new Date());
    this.node.textContent = shown.text;
    this.node.title = shown.title;
    this.toggleClass('aws-login-warning', shown.warning);
    if (shown.warning && view?.loginSession && shown.left !== undefined) {
      this.warnOnce(view.profile, sessionKey(view), shown.left);
    }
  }

  /** One notification per sign-in session, not one per refresh of the item. */
  private warnOnce(profile: string, session: string, left: number): void {
    const key = `${profile} ${session}`;
    if (this.warned.has(key)) {
      return;
    }
    this.warned.add(key);
    const minutes = Math.max(1, Math.round(left / 60000));
    Notification.warning(
      `The AWS sign-in of profile ${profile} ends in about ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      {
        autoClose: false,
        actions: [
          {
            label: LOG_IN_AGAIN,
            callback: () => void this.commands.execute(this.loginCommand, { profile })
          }
        ]
      }
    );
  }

  dispose(): void {
    clearInterval(this.timer);
    super.dispose();
  }
}
