/**
 * The browser session. Its secret is the httpOnly `aip_session` cookie, which no script can read;
 * the app keeps only whether it is signed in and the session's CSRF token (from the sign-in answer
 * or GET /api/me), in memory: nothing secret goes to localStorage. A reload asks GET /api/me again
 * (me.svelte.ts).
 */
export type SessionStatus = 'unknown' | 'signedIn' | 'signedOut';

class Session {
  /** `unknown` until GET /api/me (or a sign-in) answered. */
  status = $state<SessionStatus>('unknown');
  /** Sent as the `x-csrf-token` header with every request that changes something. */
  csrfToken: string | null = null;
  /** Why the user was sent back to the sign-in page (a 401), shown there once. */
  expired = $state(false);
  /** Where a signed-out visit was going, to return there after signing in (a path on this site). */
  returnTo: string | null = null;

  get signedIn(): boolean {
    return this.status === 'signedIn';
  }

  signIn(csrfToken: string | null): void {
    this.status = 'signedIn';
    this.csrfToken = csrfToken;
    this.expired = false;
  }

  signOut(expired = false): void {
    this.status = 'signedOut';
    this.csrfToken = null;
    this.expired = expired;
  }
}

export const session = new Session();
