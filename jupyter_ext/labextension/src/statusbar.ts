/**
 * The status bar item: `aws: lab · 11h`, `aws: lab · expired` or `aws: not logged in`; the
 * warning colour in the last 15 minutes of the sign-in and the error colour once it is over,
 * each with one notification offering `Log in again`. What it shows and when it reminds are
 * decided with VS Code's status bar (sessionView, endReminder). A click opens a menu with the
 * three commands. Notebook 7, which has no status bar, shows the same item in its header.
 */
import { Notification } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Menu, Widget } from '@lumino/widgets';

import { EndReminders, Reminder } from '@aws-login-bridge/shared';
import { SessionModel } from './session';
import { lookOf, Wording } from '@aws-login-bridge/shared';

export const LOG_IN_AGAIN = 'Log in again';

const WORDING: Wording = {
  checking: 'Reading the AWS sign-in state…',
  notLoggedIn: () => 'No AWS sign-in for this Jupyter server. Click for AWS: Login.'
};

export class AwsStatusItem extends Widget {
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly reminders = new EndReminders();

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
    // Below the item in Notebook 7's header; from the status bar, upwards (the menu moves up
    // to fit in the window).
    const y = box.top < window.innerHeight / 2 ? box.bottom : box.top;
    this.menu.open(box.left, y, { forceY: false });
  }

  protected onUpdateRequest(): void {
    const view = this.model.view;
    const now = new Date();
    const look = lookOf(view, now, WORDING);
    this.node.textContent = look.text;
    this.node.title = look.lines.join('\n');
    this.toggleClass('aws-login-warning', look.level === 'warning');
    this.toggleClass('aws-login-error', look.level === 'error');
    const due = this.reminders.due(view, look.level, now);
    if (due) {
      this.remind(due);
    }
  }

  private remind(reminder: Reminder): void {
    const profile = reminder.profile;
    Notification.warning(reminder.text, {
      autoClose: false,
      actions: [
        {
          label: LOG_IN_AGAIN,
          callback: () => void this.commands.execute(this.loginCommand, { profile })
        }
      ]
    });
  }

  dispose(): void {
    clearInterval(this.timer);
    super.dispose();
  }
}
