/**
 * Who is signed in and where the Temporal UI is (GET /api/me), loaded once per sign-in for the
 * header and for links to workflows. Until it answers, links fall back to the AIP host's port 8233.
 */
import { getMe, type Me } from '../services/runs.ts';
import { session } from './session.svelte.ts';
import { temporalUiUrl } from '../utilities/temporal-ui-url.ts';

class MeStore {
  info = $state<Me | null>(null);
  #loading: Promise<void> | null = null;
  #token: string | null = null;

  /**
   * Loads the user once per token (signing in with another token loads again); a failure leaves
   * `info` empty (the header shows no name) and is retried next time.
   */
  load(): Promise<void> {
    if (this.#token !== session.token) this.clear();
    this.#token = session.token;
    this.#loading ??= getMe().then(
      (info) => {
        this.info = info;
      },
      () => {
        this.#loading = null;
      },
    );
    return this.#loading;
  }

  clear(): void {
    this.info = null;
    this.#loading = null;
  }

  get temporalUi(): string {
    return temporalUiUrl(window.location, this.info?.temporal.uiUrl);
  }

  get namespace(): string {
    return this.info?.temporal.namespace ?? 'default';
  }
}

export const me = new MeStore();
