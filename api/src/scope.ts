/** The `scope` filter of lists of shareable things: mine, the public ones, or both. */
import { eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { Literals } from './views.ts';
import { ownedBy, readableBy } from './access.ts';
import type { AuthUser } from './auth.ts';

export const SCOPES = ['all', 'mine', 'public'] as const;

export const Scope = Literals(SCOPES, {
  description: '`all` (default): yours and the public ones; `mine`: only yours; `public`: only public ones (anyone’s, yours included).',
});

export function scopeFilter(
  scope: (typeof SCOPES)[number] | undefined,
  user: AuthUser,
  table: { ownerId: PgColumn; visibility: PgColumn },
): SQL {
  if (scope === 'mine') return ownedBy(user, table);
  if (scope === 'public') return eq(table.visibility, 'public');
  return readableBy(user, table);
}
