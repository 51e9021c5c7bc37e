/**
 * Accounts: signing in and out, invitation and password-reset links, the signed-in user's name,
 * password and API tokens. The session itself is the httpOnly cookie the server sets.
 */
import { api, call } from './api.ts';

export const signIn = (email: string, password: string) => call(api.POST('/api/auth/login', { body: { email, password } }));
export const signOut = () => call(api.POST('/api/auth/logout'));

export const inspectLink = (secret: string) => call(api.POST('/api/auth/links/inspect', { body: { secret } }));
export const acceptInvitation = (secret: string, name: string, password: string) =>
  call(api.POST('/api/auth/invitations/accept', { body: { secret, name, password } }));
export const resetPassword = (secret: string, password: string) =>
  call(api.POST('/api/auth/password-reset', { body: { secret, password } }));

export const renameMe = (name: string) => call(api.PATCH('/api/me', { body: { name } }));
export const changePassword = (currentPassword: string, newPassword: string) =>
  call(api.POST('/api/me/password', { body: { currentPassword, newPassword } }));

export const listTokens = () => call(api.GET('/api/me/tokens'));
export const createToken = (name: string, expiresInDays?: number) =>
  call(api.POST('/api/me/tokens', { body: expiresInDays === undefined ? { name } : { name, expiresInDays } }));
export const revokeToken = (id: string) => call(api.DELETE('/api/me/tokens/{id}', { params: { path: { id } } }));

export type LinkInfo = Awaited<ReturnType<typeof inspectLink>>;
export type ApiToken = Awaited<ReturnType<typeof listTokens>>[number];
export type NewApiToken = Awaited<ReturnType<typeof createToken>>;
