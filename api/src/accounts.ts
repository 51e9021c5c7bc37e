/**
 * What the account routes share: how a user is shown, email normalisation, and one-time links
 * (invitations and password resets) — random secrets of which only the sha256 is stored.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { Type } from 'typebox';
import { invitations, newId, ID_PREFIX, users, type Database, type Invitation, type Role, type User } from '@aip/platform';
import { hashToken } from './auth.ts';
import { ApiError } from './errors.ts';
import { passwordProblem } from './passwords.ts';
import { DateTime, Literals, Nullable, iso } from './views.ts';

export const INVITATION_LIFETIME_MS = 7 * 24 * 3600_000;
export const RESET_LIFETIME_MS = 24 * 3600_000;

export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'An email address (the sign-in name)' });
export const RoleSchema = Literals(['admin', 'user']);
export const PasswordSchema = Type.String({ minLength: 1, maxLength: 1024 });

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  disabled: Type.Boolean(),
  createdAt: DateTime,
  lastSeenAt: Nullable(DateTime),
});

export function userView(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    disabled: user.disabledAt !== null,
    createdAt: iso(user.createdAt)!,
    lastSeenAt: iso(user.lastSeenAt),
  };
}

/** Emails compare case-insensitively: stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function requireGoodPassword(password: string, email: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new ApiError(400, 'weak_password', problem);
}

export async function requireFreeEmail(db: Database, email: string): Promise<void> {
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (taken) throw new ApiError(409, 'email_taken', `There is already an account for ${email}.`);
}

/** A new one-time link's secret and row. The secret goes into the link's fragment (never sent to servers' logs). */
export async function createLink(
  db: Database,
  values: { kind: Invitation['kind']; email: string; role: Role; userId?: string; createdBy: string },
): Promise<{ row: Invitation; secret: string }> {
  const secret = randomBytes(32).toString('base64url');
  const lifetime = values.kind === 'invite' ? INVITATION_LIFETIME_MS : RESET_LIFETIME_MS;
  const [row] = await db
    .insert(invitations)
    .values({
      id: newId(ID_PREFIX.invitation),
      kind: values.kind,
      tokenHash: hashToken(secret),
      email: values.email,
      role: values.role,
      userId: values.userId ?? null,
      createdBy: values.createdBy,
      expiresAt: new Date(Date.now() + lifetime),
    })
    .returning();
  return { row: row!, secret };
}

export function linkUrl(origin: string, kind: Invitation['kind'], secret: string): string {
  return `${origin}/${kind === 'invite' ? 'invite' : 'reset-password'}#${secret}`;
}

/** The unused, unexpired link of `secret`, or a 400 saying the link no longer works. */
export async function usableLink(db: Database, secret: string): Promise<Invitation> {
  const [row] = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tokenHash, hashToken(secret)), isNull(invitations.usedAt), gt(invitations.expiresAt, new Date())));
  if (!row) {
    throw new ApiError(400, 'link_invalid', 'This link is not valid: it was already used, has expired or was withdrawn. Ask an administrator for a new one.');
  }
  return row;
}

/** Marks a link used; false when someone used it a moment earlier (each link works once). */
export async function useLink(db: Database, id: string): Promise<boolean> {
  const used = await db
    .update(invitations)
    .set({ usedAt: new Date() })
    .where(and(eq(invitations.id, id), isNull(invitations.usedAt)))
    .returning({ id: invitations.id });
  return used.length === 1;
}
