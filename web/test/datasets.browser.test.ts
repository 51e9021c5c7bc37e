/**
 * The web app in a real browser (Debian's Chromium through playwright-core) against the whole
 * platform: sign in, switch language, upload a detection zip with a visible byte progress, see it
 * validated and its class histogram, upload a broken zip and read its report, delete, and an ended
 * session's 401 sending the user back to sign-in. Screenshots of each step go to web/test-artifacts/.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawShapeImages, writeDetectionZip, type EmbeddedPlatform } from '@aip/infra/testing';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';

describe('web app in Chromium (Temporal dev server, embedded platform on PGlite)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform | undefined;
  let page: Page;

  beforeAll(async () => {
    // A Chinese browser: the app must start in Chinese.
    session = await openBrowserSession({ locale: 'zh-CN', viewport: { width: 1200, height: 800 } });
    ({ platform, page } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => session!.shot(name);

  it('signs in, switches language, uploads, validates, shows stats, reports a broken zip and deletes', async () => {
    const { base, home, adminEmail, adminPassword } = platform!;

    // Sign-in, in Chinese by default; the language switch changes the visible text.
    await page.goto(`${base}/datasets`);
    await page.waitForURL(`${base}/signin`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('登录 AIP');
    await shot('01-signin-zh');
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Sign in to AIP');
    // A first-time operator is told where the admin's first password is.
    expect(await page.getByTestId('first-start-hint').textContent()).toContain('initial-admin-password');
    await page.fill('#email', adminEmail);
    await page.fill('#password', 'not-the-password-at-all');
    await page.click('button[type=submit]');
    await page.getByText('Wrong email or password.').waitFor();
    await shot('02-signin-rejected-en');
    await page.fill('#password', adminPassword);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/datasets`);
    await page.getByTestId('empty-datasets').waitFor();
    expect(await page.getByTestId('empty-datasets').textContent()).toContain('npm run sample-dataset');
    await shot('03-datasets-empty');

    // Upload a 12-image detection zip over a throttled link so the byte progress is visible.
    const zip = path.join(home, 'shapes.zip');
    await writeDetectionZip(await drawShapeImages(12, 7), zip);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 40_000 });
    await page.setInputFiles('input[type=file]', zip);
    await page.fill('input[name=name]', 'shapes');
    await page.click('form[data-testid=upload] button[type=submit]');
    const progress = page.getByTestId('upload-progress');
    await progress.waitFor();
    await expect.poll(() => progress.locator('[role=progressbar]').getAttribute('aria-valuenow')).not.toBe('0');
    const sending = await progress.textContent();
    expect(sending).toMatch(/Uploading shapes: [\d.]+ KB of [\d.]+ KB \(\d+%\)/);
    await shot('04-upload-progress');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const result = page.getByTestId('upload-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.locator('[data-status]').getAttribute('data-status')).toBe('ready');
    expect(await result.textContent()).toContain('shapes is ready: 12 images.');
    await expect.poll(() => page.locator('table[data-testid=dataset-table] [data-status]').first().getAttribute('data-status')).toBe('ready');
    await shot('05-upload-ready');

    // The detail page: stats and the class histogram, one bar per label.
    await result.locator('a').click();
    await page.getByTestId('histogram').waitFor();
    expect(await page.getByTestId('dataset-stats').textContent()).toContain('12');
    expect(await page.locator('[data-testid=histogram] rect').count()).toBeGreaterThanOrEqual(2);
    await shot('06-dataset-detail');

    // A text file named .zip: accepted as bytes, refused by validation with its report.
    await page.click('text=All datasets');
    const broken = path.join(home, 'broken.zip');
    await writeFile(broken, 'this is not a zip archive\n');
    await page.setInputFiles('input[type=file]', broken);
    await page.click('form[data-testid=upload] button[type=submit]');
    await page.getByTestId('upload-result').locator('[data-status=invalid]').waitFor({ timeout: 60_000 });
    await shot('07-broken-invalid');
    await page.getByTestId('upload-result').locator('a').click();
    const report = page.getByTestId('validation-report');
    await report.waitFor();
    expect(await report.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await report.locator('tbody').textContent()).toContain('The upload is not a readable zip archive, or it is damaged');
    await shot('08-validation-report');
    // The report follows the language: each problem is translated from its code.
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => report.locator('tbody').textContent()).toContain('上传的文件不是可读取的 zip 压缩包');
    await shot('08b-validation-report-zh');
    await page.getByTestId('language').selectOption('en');

    // Delete it (after the confirmation) and land on the list with only the good dataset.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('button.danger');
    await page.waitForURL(`${base}/datasets`);
    await expect.poll(() => page.locator('table[data-testid=dataset-table] tbody tr').count()).toBe(1);

    // Back to Chinese: the list speaks it too.
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.locator('h1').textContent()).toBe('数据集');
    await shot('09-datasets-zh');

    // The session ends (here: its cookie no longer names a session): the next call's 401 returns
    // to sign-in, which says why, and signing in again returns to the page the user was going to.
    await page.context().addCookies([{ name: 'aip_session', value: 'ended-session-0000000000000000', url: base }]);
    await page.locator('nav a[href="/flowcharts"]').click();
    await page.waitForURL(`${base}/signin`);
    await page.getByText('登录已失效').waitFor();
    await shot('10-session-expired');
    await page.fill('#email', adminEmail);
    await page.fill('#password', adminPassword);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/flowcharts`);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(adminPassword);
  }, 240_000);
});
