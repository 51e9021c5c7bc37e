/**
 * Accounts in a real browser (Debian's Chromium through playwright-core) against the whole
 * platform: the admin signs in with the first password and invites someone (the link is shown
 * once); in a second browser context the invitee opens the link, signs up and lands signed in;
 * creates an API token (shown once; it works as `Authorization: Bearer` until revoked), changes
 * their password, signs out and back in. The admin disables them (their session is refused at the
 * next call, and signing in says the account is disabled), cannot demote the last administrator,
 * enables them again with a password-reset link, and creates an account directly; the pages speak
 * Chinese too. Screenshots go to web/test-artifacts/accounts-*.png.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '@aip/infra/testing';
import { en } from '../src/lib/i18n/en.ts';
import { signIn, signInAsAdmin } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';
import { webRoot } from './web-build.ts';

const VIEWPORT = { width: 1280, height: 900 };
const ADA = { email: 'ada@example.com', name: 'Ada Lovelace', password: 'analytical-engine-1843', newPassword: 'bernoulli-numbers-note-g' };

describe('accounts in Chromium: invitation, API tokens, password, sign-out, disabling (embedded platform on PGlite)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform;
  /** The admin's browser, and the invitee's in a context of its own (its own cookie). */
  let adminPage: Page;
  let userPage: Page;
  let inviteUrl = '';

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: VIEWPORT });
    ({ platform, page: adminPage } = session);
    userPage = await session.newPage({ locale: 'en-US', viewport: VIEWPORT });
  });

  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => session!.shot(`accounts-${name}`);
  const userShot = (name: string) => userPage.screenshot({ path: path.join(webRoot, 'test-artifacts', `accounts-${name}.png`), fullPage: true });
  const statusOf = async (token: string) =>
    (await fetch(`${platform.base}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  const userRow = () => adminPage.locator(`[data-testid=user-table] tr[data-user="${ADA.email}"]`);

  it('lets the admin invite someone with a link shown once', async () => {
    const { base } = platform;
    await signInAsAdmin(adminPage, platform);
    // Nothing secret is kept where scripts can read it: the session is an httpOnly cookie.
    expect(await adminPage.evaluate(() => Object.keys(localStorage).filter((key) => key !== 'aip.locale'))).toEqual([]);
    expect(await adminPage.evaluate(() => document.cookie)).not.toContain('aip_session');

    await adminPage.getByTestId('nav-admin').click();
    await adminPage.waitForURL(`${base}/admin`);
    const adminRow = adminPage.locator(`[data-testid=user-table] tr[data-user="${platform.adminEmail}"]`);
    await adminRow.waitFor();
    expect(await adminRow.getByTestId('status').textContent()).toContain('Active');
    await adminPage.getByTestId('no-invitations').waitFor();

    await adminPage.fill('#invite-email', ADA.email);
    await adminPage.click('[data-testid=invite-form] button[type=submit]');
    const link = adminPage.getByTestId('invite-link');
    await link.waitFor();
    inviteUrl = await link.inputValue();
    expect(inviteUrl).toMatch(new RegExp(`^${base}/invite#[A-Za-z0-9_-]{16,}$`));
    expect(await adminPage.getByText('you will not see it again').count()).toBe(1);
    await adminPage.locator(`[data-testid=invitation-table] tr[data-invitation="${ADA.email}"]`).waitFor();
    await shot('01-admin-invited');
    // Put away, the link is gone for good: only the pending invitation stays.
    await adminPage.getByRole('button', { name: 'I have stored it' }).click();
    await link.waitFor({ state: 'detached' });
  });

  it('signs the invitee up through the link and lands them signed in', async () => {
    const { base } = platform;
    await userPage.goto(inviteUrl);
    await expect.poll(() => userPage.getByTestId('link-email').textContent()).toBe(ADA.email);
    await userPage.fill('#name', ADA.name);
    await userPage.fill('#new-password', 'short');
    await expect.poll(() => userPage.getByTestId('password-rule').textContent()).toContain('at least 10 characters');
    await userPage.fill('#new-password', ADA.password);
    await userPage.fill('#confirm-password', `${ADA.password}x`);
    await expect.poll(() => userPage.getByTestId('password-rule').textContent()).toContain('not the same');
    expect(await userPage.locator('[data-testid=link-form] button[type=submit]').isDisabled()).toBe(true);
    await userShot('02-invite-mismatch');
    await userPage.fill('#confirm-password', ADA.password);
    await userPage.click('[data-testid=link-form] button[type=submit]');
    await userPage.waitForURL(`${base}/datasets`);
    await expect.poll(() => userPage.getByTestId('user').textContent()).toContain(ADA.name);
    // Not an administrator: no admin link, and the admin page says politely that it is not for them.
    expect(await userPage.getByTestId('nav-admin').count()).toBe(0);
    await userPage.goto(`${base}/admin`);
    await userPage.getByTestId('admins-only').waitFor();
    await userShot('03-user-not-admin');

    // The invitation worked once: opened again, the page says so and what to do.
    await userPage.goto(inviteUrl);
    await userPage.getByTestId('link-invalid').waitFor();
    expect(await userPage.getByTestId('link-invalid').textContent()).toContain('Ask an administrator for a new invitation');
    await userShot('04-invite-used');
  });

  it('creates an API token shown once that works until it is revoked', async () => {
    const { base } = platform;
    await userPage.goto(`${base}/account`);
    await userPage.getByTestId('no-tokens').waitFor();
    await userPage.fill('#token-name', 'nightly uploads');
    await userPage.fill('#token-days', '30');
    await userPage.click('[data-testid=create-token] button[type=submit]');
    const secret = userPage.getByTestId('new-token');
    await secret.waitFor();
    const token = await secret.inputValue();
    expect(token).toMatch(/^aip_/);
    const row = userPage.locator('[data-testid=token-table] tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.first().textContent()).toContain('nightly uploads');
    await userShot('05-token-created');

    // The token acts as its user from a script.
    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string; via: string })).toMatchObject({ email: ADA.email, via: 'token' });
    // A page's own change without the session's CSRF token is refused (the app always sends it).
    const forged = await userPage.evaluate(async () =>
      (await fetch('/api/me', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) })).status,
    );
    expect(forged).toBe(403);

    await userPage.getByRole('button', { name: 'I have stored it' }).click();
    await secret.waitFor({ state: 'detached' });
    userPage.once('dialog', (dialog) => void dialog.accept());
    await row.first().getByRole('button', { name: 'Revoke' }).click();
    await userPage.getByTestId('no-tokens').waitFor();
    expect(await statusOf(token)).toBe(401);
  });

  it('changes the password, signs out and signs in with the new one', async () => {
    const { base } = platform;
    await userPage.fill('#current-password', 'not-my-password-at-all');
    await userPage.fill('#new-password', ADA.newPassword);
    await userPage.fill('#confirm-password', ADA.newPassword);
    await userPage.click('[data-testid=change-password] button[type=submit]');
    await userPage.getByText('The current password is wrong.').waitFor();
    await userPage.fill('#current-password', ADA.password);
    await userPage.fill('#new-password', ADA.newPassword);
    await userPage.fill('#confirm-password', ADA.newPassword);
    await userPage.click('[data-testid=change-password] button[type=submit]');
    await userPage.getByTestId('password-changed').waitFor();
    await userShot('06-account');

    await userPage.getByTestId('sign-out').click();
    await userPage.waitForURL(`${base}/signin`);
    // Signing out on purpose is no "session ended".
    expect(await userPage.getByTestId('session-ended').count()).toBe(0);
    await userPage.fill('#email', ADA.email);
    await userPage.fill('#password', ADA.password);
    await userPage.click('[data-testid=signin-form] button[type=submit]');
    await userPage.getByText('Wrong email or password.').waitFor();
    await signIn(userPage, base, ADA.email, ADA.newPassword);
    expect(new URL(userPage.url()).pathname).toBe('/datasets');
  });

  it('lets the admin disable the account: its session is refused, and it cannot sign in', async () => {
    const { base } = platform;
    await adminPage.reload();
    await userRow().waitFor();
    expect(await userRow().textContent()).toContain(ADA.name);
    expect(await userRow().textContent()).toContain('Nothing yet');
    adminPage.once('dialog', (dialog) => void dialog.accept());
    await userRow().getByTestId('toggle-disabled').click();
    await expect.poll(() => userRow().getByTestId('status').textContent()).toContain('Disabled');
    await shot('07-admin-disabled');

    // The invitee's open page: its next call is refused, and the app returns to sign-in.
    await userPage.locator('nav a[href="/flowcharts"]').click();
    await userPage.waitForURL(`${base}/signin`);
    await userPage.getByTestId('session-ended').waitFor();
    await userPage.fill('#email', ADA.email);
    await userPage.fill('#password', ADA.newPassword);
    await userPage.click('[data-testid=signin-form] button[type=submit]');
    await userPage.getByText('This account is disabled').waitFor();
    await userShot('08-signin-disabled');
  });

  it('keeps an administrator, re-enables the user with a reset link and creates an account directly', async () => {
    const { base } = platform;
    // The only administrator cannot stop being one.
    const adminRow = adminPage.locator(`[data-testid=user-table] tr[data-user="${platform.adminEmail}"]`);
    adminPage.once('dialog', (dialog) => void dialog.accept());
    await adminRow.getByTestId('role').selectOption('user');
    await adminPage.getByText('This is the only active administrator').waitFor();
    expect(await adminRow.getByTestId('role').inputValue()).toBe('admin');
    await shot('09-admin-last-admin');

    adminPage.once('dialog', (dialog) => void dialog.accept());
    await userRow().getByTestId('toggle-disabled').click();
    await expect.poll(() => userRow().getByTestId('status').textContent()).toContain('Active');
    await userRow().getByTestId('reset-password').click();
    const resetUrl = await adminPage.getByTestId('reset-link').inputValue();
    expect(resetUrl).toMatch(new RegExp(`^${base}/reset-password#[A-Za-z0-9_-]{16,}$`));

    await userPage.goto(resetUrl);
    await expect.poll(() => userPage.getByTestId('link-email').textContent()).toBe(ADA.email);
    await userPage.fill('#new-password', 'difference-engine-1822');
    await userPage.fill('#confirm-password', 'difference-engine-1822');
    await userShot('10-reset-password');
    await userPage.click('[data-testid=link-form] button[type=submit]');
    await userPage.waitForURL(`${base}/datasets`);
    await expect.poll(() => userPage.getByTestId('user').textContent()).toContain(ADA.name);

    // An account made by the admin, with a password to hand over.
    await adminPage.fill('#create-email', 'grace@example.com');
    await adminPage.fill('#create-name', 'Grace Hopper');
    await adminPage.selectOption('#create-role', 'admin');
    await adminPage.fill('#new-password', 'compiler-a0-1952');
    await adminPage.click('[data-testid=create-user] button[type=submit]');
    await adminPage.getByTestId('user-created').waitFor();
    const grace = adminPage.locator('[data-testid=user-table] tr[data-user="grace@example.com"]');
    await grace.waitFor();
    expect(await grace.getByTestId('role').inputValue()).toBe('admin');
    await shot('11-admin-page');
  });

  it('speaks Chinese on the account pages too', async () => {
    const { base } = platform;
    const keys = Object.keys(en);
    const rawKeys = async (page: Page) => {
      const text = await page.locator('body').innerText();
      return keys.filter((key) => text.includes(key));
    };
    await adminPage.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => adminPage.locator('h1').textContent()).toBe('管理');
    expect(await rawKeys(adminPage)).toEqual([]);
    await shot('12-admin-zh');
    await adminPage.goto(`${base}/account`);
    await expect.poll(() => adminPage.locator('h1').textContent()).toBe('你的账户');
    expect(await rawKeys(adminPage)).toEqual([]);
    await shot('13-account-zh');

    // The invitation page, in a Chinese browser that has never chosen a language.
    await adminPage.goto(`${base}/admin`);
    await adminPage.fill('#invite-email', 'lin@example.com');
    await adminPage.click('[data-testid=invite-form] button[type=submit]');
    const url = await adminPage.getByTestId('invite-link').inputValue();
    const chinese = await session!.newPage({ locale: 'zh-CN', viewport: VIEWPORT });
    await chinese.goto(url);
    await expect.poll(() => chinese.getByTestId('link-email').textContent()).toBe('lin@example.com');
    expect(await chinese.locator('h1').textContent()).toBe('加入 AIP');
    await chinese.screenshot({ path: path.join(webRoot, 'test-artifacts', 'accounts-14-invite-zh.png'), fullPage: true });
  });
});
