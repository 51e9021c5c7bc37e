/**
 * The typed client of the AIP API (openapi-fetch over the generated `paths`). The browser sends the
 * session cookie with every same-origin call by itself; requests that change something carry the
 * session's CSRF token, and a 401 anywhere ends the session (the app returns to sign-in).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { session } from '../stores/session.svelte.ts';
import { returnPathOf } from '../utilities/auth-paths.ts';
import { ApiFailure } from './api-failure.ts';
import type { components, paths } from './api-types.ts';

export type Dataset = paths['/api/datasets/{id}']['get']['responses'][200]['content']['application/json'];
export type ErrorBody = components['schemas']['Error'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The headers a request of `method` needs besides the cookie: the CSRF token for a change. */
export function sessionHeaders(method: string): Record<string, string> {
  return !SAFE_METHODS.has(method.toUpperCase()) && session.csrfToken ? { 'x-csrf-token': session.csrfToken } : {};
}

let refreshSession: () => void = () => undefined;

/**
 * What to do when the server refuses this page's CSRF token: the browser's cookie now belongs to
 * another session (signed in again in another tab), so the page asks who it is (me.svelte.ts).
 */
export function onStaleSession(refresh: () => void): void {
  refreshSession = refresh;
}

const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(sessionHeaders(request.method))) request.headers.set(name, value);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) expireSession();
    if (response.status === 403 && session.signedIn) {
      const body = (await response.clone().json().catch(() => null)) as { error?: { code?: unknown } } | null;
      if (body?.error?.code === 'csrf_failed') refreshSession();
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(sessionMiddleware);

/**
 * A 401 from any call: the session ended (signed out elsewhere, disabled, expired) or there was
 * none. The app shell then shows the sign-in page — with the "session ended" notice when this tab
 * was signed in — and signing in returns to the page the user was on.
 */
export function expireSession(): void {
  if (session.status === 'signedOut') return;
  session.returnTo = returnPathOf(window.location);
  session.signOut(session.signedIn);
}

/**
 * Unwraps an openapi-fetch result: the data, or an ApiFailure from the error body. Network errors
 * (fetch throws) become ApiFailure `network` too, so callers handle one kind of failure.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof request>;
  try {
    result = await request;
  } catch (cause) {
    throw ApiFailure.network(cause);
  }
  if (!result.response.ok) throw ApiFailure.fromBody(result.response.status, result.error);
  return result.data as T;
}
