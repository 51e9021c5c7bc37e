/**
 * Who is signed in (GET /api/me): asked when the app loads and after each sign-in. Its answer is
 * what makes the app signed in — with the session's CSRF token — and a 401 signs it out (api.ts).
 * It also says where the Temporal UI is; until it answers, links fall back to the AIP host's port 8233.
 */
import { signOut } from '../services/account.ts';
import { onStaleSession } from '../services/api.ts';
import { ApiFailure } from '../services/api-failure.ts';
import { getMe, type Me } from '../services/runs.ts';
import { session } from './session.svelte.ts';
import { temporalUiUrl } from '../utilities/temporal-ui-url.ts';

class MeStore {
  #info = $state<Me | null>(null);
  /** The last load got no answer (the server is down …): the app shows it with a retry. */
  failure = $state<ApiFailure | null>(null);
  #loading: Promise<void> | null = null;
  #generation = 0;

  /** The signed-in user; null while signed out or not known yet. */
  get info(): Me | null {
    return session.signedIn ? this.#info : null;
  }

  get isAdmin(): boolean {
    return this.info?.role === 'admin';
  }

  /**
   * Asks the server who this browser is signed in as (concurrent calls share one request; `fresh`
   * starts a new one, whose answer wins). An answer signs the app in; a 401 has signed it out
   * (api.ts) by the time this resolves.
   */
  load(fresh = false): Promise<void> {
    if (this.#loading && !fresh) return this.#loading;
    const generation = ++this.#generation;
    const loading = getMe()
      .then(
        (info) => {
          if (generation !== this.#generation) return;
          this.#info = info;
          this.failure = null;
          session.signIn(info.csrfToken);
        },
        (caught: unknown) => {
          if (generation !== this.#generation) return;
          const failure = caught instanceof ApiFailure ? caught : ApiFailure.network(caught);
          if (failure.status !== 401) this.failure = failure;
        },
      )
      .finally(() => {
        if (this.#loading === loading) this.#loading = null;
      });
    this.#loading = loading;
    return loading;
  }

  /** A sign-in (the form, an invitation or a reset link) just succeeded: forget any earlier user, ask who this is. */
  async signedIn(csrfToken: string): Promise<void> {
    this.#info = null;
    this.failure = null;
    session.csrfToken = csrfToken;
    await this.load(true);
    // Without an answer (the server went away meanwhile) the sign-in still stands; after a 401 it does not.
    if (this.failure !== null) session.signIn(csrfToken);
  }

  /**
   * Ends the session on the server, then here (the app shell then shows the sign-in page). A
   * failure other than a 401 (the session had ended anyway) is thrown and the app stays signed in:
   * the cookie may still be valid.
   */
  async signOut(): Promise<void> {
    try {
      await signOut();
    } catch (caught) {
      if (!(caught instanceof ApiFailure && caught.status === 401)) throw caught;
    }
    session.returnTo = null;
    session.signOut();
    this.#info = null;
  }

  /** After PATCH /api/me: the header shows the new name at once. */
  renamed(name: string): void {
    if (this.#info) this.#info = { ...this.#info, name };
  }

  get temporalUi(): string {
    return temporalUiUrl(window.location, this.info?.temporal.uiUrl);
  }

  get namespace(): string {
    return this.info?.temporal.namespace ?? 'default';
  }
}

export const me = new MeStore();
onStaleSession(() => void me.load(true));
