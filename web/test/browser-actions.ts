/**
 * What the browser tests do again and again: signing in through the form, a ready dataset made
 * through the API (labeled, or a zip of unlabeled images), and the editor gestures of a user
 * (dragging a connection between two boxes, typing classes into the side panel).
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import yazl from 'yazl';
import { drawShapeImages, writeDetectionZip, type EmbeddedPlatform, type ShapeImage } from '@aip/infra/testing';

/**
 * Signs in through the sign-in form as a person would (the session is the cookie the server sets)
 * and waits until the app has left the sign-in page and shows who is signed in.
 */
export async function signIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/signin`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('[data-testid=signin-form] button[type=submit]');
  await page.waitForURL((url) => url.pathname !== '/signin');
  await page.getByTestId('user').waitFor();
}

/** Signs in as the platform's first administrator (admin@localhost, the generated first password). */
export async function signInAsAdmin(page: Page, platform: EmbeddedPlatform): Promise<void> {
  expect(platform.adminPassword, 'the platform left no initial-admin-password').not.toBe('');
  await signIn(page, platform.base, platform.adminEmail, platform.adminPassword);
}

/** A ready detection dataset of `images` shapes, uploaded through the API (the UI upload is the datasets test's job). */
export async function readyDataset(platform: EmbeddedPlatform, options: { images: number; seed: number; name?: string }): Promise<string> {
  const name = options.name ?? 'shapes';
  const zip = path.join(platform.home, `${name}-${options.seed}.zip`);
  await writeDetectionZip(await drawShapeImages(options.images, options.seed), zip);
  return uploadReady(platform, zip, name);
}

/** Writes a zip of images without labels, all at its root (the unlabeled format). */
export async function writeUnlabeledZip(images: ShapeImage[], zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const image of images) zip.addBuffer(image.png, image.name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}

/** Uploads a zip through the API (with `format` when given) and waits until the dataset is ready. */
export async function uploadReady(platform: EmbeddedPlatform, zip: string, name: string, format?: string): Promise<string> {
  const form = new FormData();
  form.set('name', name);
  if (format) form.set('format', format);
  form.set('file', new Blob([await readFile(zip)]), `${name}.zip`);
  const auth = { authorization: `Bearer ${platform.token}` };
  const created = await fetch(`${platform.base}/api/datasets`, { method: 'POST', headers: auth, body: form });
  expect(created.status, await created.clone().text()).toBe(202);
  const { id } = (await created.json()) as { id: string };
  const dataset = async () => (await (await fetch(`${platform.base}/api/datasets/${id}`, { headers: auth })).json()) as { status: string; problems: unknown };
  await expect.poll(async () => (await dataset()).status, { timeout: 60_000 }).not.toBe('validating');
  const settled = await dataset();
  expect(settled.status, JSON.stringify(settled.problems)).toBe('ready');
  return id;
}

/** Drags a connection from one box's output handle to another's input handle, as a user would. */
export async function connect(page: Page, from: string, to: string): Promise<void> {
  const source = await page.getByTestId(`handle-${from}-source`).boundingBox();
  const target = await page.getByTestId(`handle-${to}-target`).boundingBox();
  if (!source || !target) throw new Error(`handle of ${from} or ${to} is not on screen`);
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move((source.x + target.x) / 2, (source.y + target.y) / 2 + 30, { steps: 5 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Types each class into the selected box's side panel. */
export async function addClasses(page: Page, ...names: string[]): Promise<void> {
  for (const name of names) {
    await page.getByTestId('panel-new-class').fill(name);
    await page.getByTestId('panel-new-class').press('Enter');
  }
}
