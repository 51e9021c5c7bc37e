/**
 * What the pages of shareable things (datasets, models, flowcharts) have in common: the list
 * filter (`scope`, kept in the page's URL), who owns an item, names for renames and copies, and
 * putting an item the server changed back into its list.
 */

export type Visibility = 'private' | 'public';

/** The lists' filter, as the API's `scope` query parameter names it. */
export type Scope = 'all' | 'mine' | 'public';

/** The longest name the API accepts for a dataset, model or flowchart. */
export const NAME_MAX = 200;

/** The scope a URL asks for (`?scope=public`), when the page offers it; else the page's default. */
export function parseScope<T extends string>(raw: string | null | undefined, offered: readonly T[], fallback: T): T {
  return offered.find((scope) => scope === raw) ?? fallback;
}

/** The search part of `url` with `scope` set, or removed when it is the page's default. */
export function scopeSearch(url: URL, scope: string, fallback: string): string {
  const params = new URLSearchParams(url.search);
  if (scope === fallback) params.delete('scope');
  else params.set('scope', scope);
  const search = params.toString();
  return search === '' ? url.pathname : `${url.pathname}?${search}`;
}

export interface Owned {
  owned: boolean;
  owner: { id: string; name: string };
}

/** Who an item belongs to, as a list shows it: `you` for the caller's own, else the owner's name. */
export function ownerLabel(item: Owned, you: string): string {
  if (item.owned) return you;
  return item.owner.name.trim() || item.owner.id;
}

/** Why a new name cannot be saved, or null when it can. */
export function nameProblem(name: string): 'empty' | 'tooLong' | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'empty';
  if ([...trimmed].length > NAME_MAX) return 'tooLong';
  return null;
}

/** `name` cut to what the API accepts (by characters, so no character is split in half). */
export function clipName(name: string): string {
  const characters = [...name.trim()];
  return characters.length <= NAME_MAX ? characters.join('') : `${characters.slice(0, NAME_MAX - 1).join('')}…`;
}

/** The list with the item the server returned (after a rename or a visibility change) merged in. */
export function replaceById<T extends { id: string }>(list: readonly T[], changed: Partial<T> & { id: string }): T[] {
  return list.map((item) => (item.id === changed.id ? { ...item, ...changed } : item));
}
