/**
 * JupyterLab extension: `AWS: Login`, `AWS: Logout` and `AWS: Show Caller Identity` in the
 * command palette and an "AWS" menu, the sign-in dialog, and the status bar item (in
 * Notebook 7, which has no status bar, the same item in the header). All of it talks to the
 * server extension (`aws_login_jupyter.lab`), which owns the one helper of this Jupyter
 * server; a login here sets `AWS_PROFILE` for the kernels started afterwards. It uses only
 * what JupyterLab 4.0 has (package-lock.json builds it against 4.0.0).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Menu } from '@lumino/widgets';

import { ApiError, LoginDone, api } from './api';
import { openLoginDialog } from './dialog';
import { logoutMessage } from '@aws-login-bridge/shared';
import { SessionModel } from './session';
import { AwsStatusItem } from './statusbar';

const COMMANDS = {
  login: 'aws-login:login',
  logout: 'aws-login:logout',
  identity: 'aws-login:show-caller-identity'
} as const;

const LABELS = {
  [COMMANDS.login]: 'AWS: Login',
  [COMMANDS.logout]: 'AWS: Logout',
  [COMMANDS.identity]: 'AWS: Show Caller Identity'
};

function explain(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

/**
 * A command's `execute` that runs `action` for the profile the status bar shows: read once,
 * so the action and its messages name the same profile; a failure is one error notification.
 */
function forShownProfile(
  model: SessionModel,
  action: (profile: string) => Promise<void>
): () => Promise<void> {
  return async () => {
    const profile = model.profile;
    try {
      await action(profile);
    } catch (error) {
      Notification.error(explain(error), { autoClose: 8000 });
    }
  };
}

function loggedInMessage(done: LoginDone, role?: string): string {
  const source = done.login.profile;
  const profile = role ?? source;
  const who = done.identity.Arn ?? 'an identity that could not be checked';
  const lines = [`Signed in: profile '${source}' is ${who}.`];
  if (role) {
    lines.push(`Profile '${role}' assumes its role with this session.`);
  }
  if (done.identity.problem) {
    lines.push(done.identity.problem + '.');
  }
  if (done.serverProfile === profile) {
    lines.push(
      `Kernels started from now on use it. In a notebook already running, run ` +
        `%load_ext aws_login_jupyter and %aws_use ${profile}.`
    );
  } else {
    lines.push(`Use it with boto3.Session(profile_name="${profile}").`);
  }
  return lines.join(' ');
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'aws-login-bridge:plugin',
  description: 'AWS console sign-in for the whole Jupyter server.',
  autoStart: true,
  optional: [ICommandPalette, IMainMenu, IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    mainMenu: IMainMenu | null,
    statusBar: IStatusBar | null
  ) => {
    const model = new SessionModel();
    const { commands } = app;

    commands.addCommand(COMMANDS.login, {
      label: LABELS[COMMANDS.login],
      caption: 'Sign in to AWS with your console session (for this Jupyter server)',
      execute: async args => {
        let profiles: string[] = [];
        const sources: Record<string, string> = {};
        const regions: Record<string, string> = {};
        try {
          for (const p of (await api.profiles()).profiles) {
            profiles.push(p.profile);
            if (p.sourceProfile) {
              sources[p.profile] = p.sourceProfile;
            }
            if (p.region) {
              regions[p.profile] = p.region;
            }
          }
        } catch {
          // Only the suggestions are lost (and a role profile is tried as it is).
        }
        await openLoginDialog({
          profile: (args.profile as string | undefined) ?? model.profile,
          profiles,
          sources,
          regions,
          onDone: (done, role) => {
            if (role) {
              // The role stays shown: read it again, now that its source is logged in.
              void model.reload(role).catch(() => undefined);
              return loggedInMessage(done, role);
            }
            model.set({
              profile: done.login.profile,
              loginSession: done.login.loginSession,
              expiresAt: done.login.expiresAt,
              sessionExpiresAt: done.login.sessionExpiresAt ?? null,
              state: 'active',
              loggedIn: true
            });
            return loggedInMessage(done);
          }
        });
      }
    });

    commands.addCommand(COMMANDS.logout, {
      label: LABELS[COMMANDS.logout],
      caption: 'Delete the cached AWS login credentials of the shown profile',
      execute: forShownProfile(model, async shownProfile => {
        // A role profile has no session of its own: logging out ends its source's.
        const shown = model.view;
        const role = shown?.profile === shownProfile && shown.sourceProfile ? shownProfile : undefined;
        const profile = (role && shown?.sourceProfile) || shownProfile;
        const { removed, revoked, revokeProblem } = await api.logout(profile);
        const view = model.view;
        if (view && view.profile === shownProfile) {
          model.set({
            ...view,
            expiresAt: null,
            sessionExpiresAt: null,
            state: 'loggedOut',
            loggedIn: false
          });
        }
        const text = logoutMessage(profile, role, removed, revoked, revokeProblem);
        if (revokeProblem) {
          Notification.warning(text, { autoClose: false });
        } else {
          Notification.info(text, { autoClose: 6000 });
        }
      })
    });

    commands.addCommand(COMMANDS.identity, {
      label: LABELS[COMMANDS.identity],
      caption: 'Who the shown profile signs AWS requests as (STS GetCallerIdentity)',
      execute: forShownProfile(model, async profile => {
        const identity = await api.identity(profile);
        Notification.info(
          `${identity.Arn} (account ${identity.Account}, profile '${profile}')`,
          { autoClose: 8000 }
        );
      })
    });

    const ids = [COMMANDS.login, COMMANDS.logout, COMMANDS.identity];
    for (const command of ids) {
      palette?.addItem({ command, category: 'AWS' });
    }
    const awsMenu = new Menu({ commands });
    awsMenu.title.label = 'AWS';
    awsMenu.id = 'aws-login-menu';
    for (const command of ids) {
      awsMenu.addItem({ command });
    }
    mainMenu?.addMenu(awsMenu, true, { rank: 1000 });

    const popup = new Menu({ commands });
    popup.addClass('aws-login-status-menu');
    for (const command of ids) {
      popup.addItem({ command });
    }
    const item = new AwsStatusItem(model, commands, popup, COMMANDS.login);
    if (statusBar) {
      statusBar.registerStatusItem('aws-login-bridge:status', {
        item,
        align: 'left',
        rank: 1000
      });
    } else {
      // Notebook 7 has no status bar. Its header (the 'top' area) is on every page (the file
      // browser, each notebook, the editors) and holds, at its right end, the notebook's own
      // state (kernel, trusted): the session is shown there as another such state. The menu
      // bar is for menus, and the AWS menu is already in it.
      item.addClass('aws-login-top');
      app.shell.add(item, 'top', { rank: 1000 });
    }

    void model.start().catch(error => {
      console.warn('aws-login-bridge: could not read the AWS sign-in state', explain(error));
    });
  }
};

export default plugin;
