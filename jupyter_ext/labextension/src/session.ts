/**
 * What the status bar shows: one profile's login session, kept current from the server's
 * event stream (`sessionChanged` from the helper, which also sees logins made with the CLI,
 * VS Code or a kernel, and `serverProfile` when a login here changes what kernels get).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { api } from './api';
import type { SessionChangedParams } from '@aws-login-bridge/shared';
import { afterChange, SessionView, viewFromStatus } from '@aws-login-bridge/shared';

export class SessionModel {
  private _view: SessionView | undefined;
  private _serverProfile: string | null = null;
  private _events: EventSource | undefined;
  private readonly _changed = new Signal<this, SessionView | undefined>(this);

  get changed(): ISignal<this, SessionView | undefined> {
    return this._changed;
  }

  get view(): SessionView | undefined {
    return this._view;
  }

  /** The profile the commands act on: the one shown, else what kernels get. */
  get profile(): string {
    return this._view?.profile ?? this._serverProfile ?? 'default';
  }

  /** Follow the server's events; read its state once they flow (and after each
   * reconnection), so that no change falls between the two. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.listen(() => {
        this.reload().then(resolve, reject);
      });
    });
  }

  async reload(profile?: string): Promise<void> {
    const state = await api.state(profile);
    this._serverProfile = state.serverProfile;
    this.set(viewFromStatus(state.status));
  }

  set(view: SessionView): void {
    this._view = { ...view };
    this._changed.emit(this._view);
  }

  /** A `sessionChanged`: update the shown profile, or show a new login of another one
   * when the shown profile is not logged in (a CLI login of `dev` while we show `default`). */
  apply(change: SessionChangedParams): void {
    const next = afterChange(this._view, change);
    if (next) {
      this.set(next);
    }
  }

  private listen(onOpen: () => void): void {
    // EventSource reconnects by itself after a dropped connection.
    const events = new EventSource(api.eventsUrl(), { withCredentials: true });
    events.addEventListener('open', onOpen);
    events.addEventListener('sessionChanged', (event: MessageEvent) => {
      this.apply(JSON.parse(event.data) as SessionChangedParams);
    });
    events.addEventListener('serverProfile', (event: MessageEvent) => {
      const profile = (JSON.parse(event.data) as { profile: string }).profile;
      this._serverProfile = profile;
      if (profile !== this._view?.profile) {
        void this.reload(profile).catch(() => undefined);
      }
    });
    this._events = events;
  }

  dispose(): void {
    this._events?.close();
  }
}
