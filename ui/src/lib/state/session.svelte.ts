// Who is signed in. `starting` until `session_restore` answers; then the sign-in card or the shell.
import { api, toApiError, type Account, type ApiError } from '../api';

export type Phase = 'starting' | 'signed_out' | 'signed_in';

class Session {
  phase = $state<Phase>('starting');
  account = $state<Account | null>(null);
  /** Why restoring failed (e.g. no keyring), shown on the sign-in card. */
  restoreError = $state<ApiError | null>(null);
  signingOut = $state(false);

  async restore(): Promise<void> {
    try {
      const account = await api.sessionRestore();
      this.#enter(account);
    } catch (e) {
      this.restoreError = toApiError(e);
      this.phase = 'signed_out';
    }
  }

  /** Throws an `ApiError`; the sign-in card shows it. */
  async signInPassword(homeserver: string, user: string, password: string): Promise<void> {
    this.#enter(await api.signInPassword(homeserver, user, password));
  }

  async signInToken(homeserver: string, token: string): Promise<void> {
    this.#enter(await api.signInToken(homeserver, token));
  }

  async signOut(): Promise<void> {
    this.signingOut = true;
    try {
      await api.signOut();
    } finally {
      this.signingOut = false;
    }
    this.account = null;
    this.restoreError = null;
    this.phase = 'signed_out';
  }

  #enter(account: Account | null): void {
    this.account = account;
    this.restoreError = null;
    this.phase = account ? 'signed_in' : 'signed_out';
  }
}

export const session = new Session();

/** `@owner:example.org` → `example.org`; a homeserver URL → its host. */
export function serverName(account: Account): string {
  const i = account.user_id.indexOf(':');
  if (i > 0) return account.user_id.slice(i + 1);
  try {
    return new URL(account.homeserver).host;
  } catch {
    return account.homeserver;
  }
}
