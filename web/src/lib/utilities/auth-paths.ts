/**
 * The pages anyone may open without being signed in, and where to return after signing in.
 */
export const PUBLIC_PATHS = ['/signin', '/invite', '/reset-password'] as const;

export function isPublicPath(pathname: string): boolean {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return (PUBLIC_PATHS as readonly string[]).includes(path);
}

/**
 * The page to come back to after signing in: `location`'s path, query and fragment when it is a
 * page of this app worth returning to (not a sign-in or link page, not the root), else null.
 */
export function returnPathOf(location: { pathname: string; search: string; hash: string }): string | null {
  if (!location.pathname.startsWith('/') || location.pathname.startsWith('//')) return null;
  if (location.pathname === '/' || isPublicPath(location.pathname)) return null;
  return `${location.pathname}${location.search}${location.hash}`;
}

/**
 * The secret of an invitation or password-reset link: what follows "#" (kept in the fragment so it
 * never reaches a server's logs). Null when there is none.
 */
export function linkSecretOf(hash: string): string | null {
  let secret = hash.startsWith('#') ? hash.slice(1) : hash;
  try {
    secret = decodeURIComponent(secret);
  } catch {
    // A malformed escape: keep the text as written; the server will say the link is invalid.
  }
  secret = secret.trim();
  return secret === '' ? null : secret;
}
