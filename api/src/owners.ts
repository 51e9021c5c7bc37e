/** Names of the users owning listed rows, so lists of shared things say whose each one is. */
import { inArray } from 'drizzle-orm';
import { users, type Database } from '@aip/platform';
import { Type } from 'typebox';

export const OwnerSchema = Type.Object(
  { id: Type.String(), name: Type.String({ description: 'The owner’s display name (else their email’s local part)' }) },
  { description: 'Who it belongs to' },
);

export type Owners = Map<string, string>;

export async function ownerNames(db: Database, rows: Array<{ ownerId: string }>): Promise<Owners> {
  const ids = [...new Set(rows.map((row) => row.ownerId))];
  if (ids.length === 0) return new Map();
  const found = await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, ids));
  return new Map(found.map((user) => [user.id, user.name || user.email.split('@', 1)[0]!]));
}

export function ownerOf(owners: Owners, ownerId: string) {
  return { id: ownerId, name: owners.get(ownerId) ?? '' };
}
