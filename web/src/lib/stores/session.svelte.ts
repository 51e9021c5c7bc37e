/**
 * The signed-in session: the access token, kept in localStorage so a reload stays signed in.
 * Accounts come later; until then the token is the sign-in.
 */
const STORAGE_KEY = 'aip.token';

class Session {
  token = $state<string | null>(null);
  /** Why the user was sent back to the sign-in page (a 401), shown there once. */
  expired = $state(false);

  constructor() {
    if (typeof window !== 'undefined') this.token = localStorage.getItem(STORAGE_KEY);
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  signIn(token: string): void {
    this.token = token;
    this.expired = false;
    localStorage.setItem(STORAGE_KEY, token);
  }

  signOut(expired = false): void {
    this.token = null;
    this.expired = expired;
    localStorage.removeItem(STORAGE_KEY);
  }
}

export const session = new Session();
