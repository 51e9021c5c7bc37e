/** Administrators' calls: users with their usage, roles, disabling, password-reset links, invitations. */
import { api, call } from './api.ts';
import type { paths } from './api-types.ts';

type Role = 'admin' | 'user';
export type UserChange = paths['/api/admin/users/{id}']['patch']['requestBody']['content']['application/json'];

export const listUsers = () => call(api.GET('/api/admin/users'));
export const createUser = (body: { email: string; name: string; role: Role; password: string }) =>
  call(api.POST('/api/admin/users', { body }));
export const updateUser = (id: string, change: UserChange) =>
  call(api.PATCH('/api/admin/users/{id}', { params: { path: { id } }, body: change }));
export const createResetLink = (id: string) =>
  call(api.POST('/api/admin/users/{id}/password-reset', { params: { path: { id } } }));

export const listInvitations = () => call(api.GET('/api/admin/invitations'));
export const invite = (email: string, role: Role) => call(api.POST('/api/admin/invitations', { body: { email, role } }));
export const withdrawInvitation = (id: string) =>
  call(api.DELETE('/api/admin/invitations/{id}', { params: { path: { id } } }));

export type AdminUser = Awaited<ReturnType<typeof listUsers>>[number];
export type Invitation = Awaited<ReturnType<typeof listInvitations>>[number];
