/**
 * The flowchart editor in a real browser (Debian's Chromium through playwright-core) against the
 * whole platform: the empty list, then dataset → detection → classification built by clicking the
 * palette and dragging between handles, classes and a parent class set in the side panel, a loop
 * refused with its reason, the shared validator's problem appearing and going away, save, reload.
 * Screenshots of each step go to web/test-artifacts/flowchart-*.png.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawShapeImages, writeDetectionZip, type EmbeddedPlatform } from '@aip/infra/testing';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';

/** A ready detection dataset through the API (uploading through the UI is the datasets test's job). */
async function readyDataset(platform: EmbeddedPlatform): Promise<string> {
  const zip = path.join(platform.home, 'flow-shapes.zip');
  await writeDetectionZip(await drawShapeImages(8, 3), zip);
  const form = new FormData();
  form.set('name', 'shapes');
  form.set('file', new Blob([await readFile(zip)]), 'shapes.zip');
  const auth = { authorization: `Bearer ${platform.token}` };
  const created = await fetch(`${platform.base}/api/datasets`, { method: 'POST', headers: auth, body: form });
  expect(created.status, await created.clone().text()).toBe(202);
  const { id } = (await created.json()) as { id: string };
  await expect
    .poll(async () => ((await (await fetch(`${platform.base}/api/datasets/${id}`, { headers: auth })).json()) as { status: string }).status, { timeout: 60_000 })
    .toBe('ready');
  return id;
}

describe('flowchart editor in Chromium (Temporal dev server, embedded platform on PGlite)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform | undefined;
  let page: Page;

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: { width: 1500, height: 950 } });
    ({ platform, page } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => session!.shot(`flowchart-${name}`);

  /** Drags a connection from one box's output handle to another's input handle, as a user would. */
  async function connect(from: string, to: string) {
    const source = await page.getByTestId(`handle-${from}-source`).boundingBox();
    const target = await page.getByTestId(`handle-${to}-target`).boundingBox();
    if (!source || !target) throw new Error(`handle of ${from} or ${to} is not on screen`);
    await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
    await page.mouse.down();
    await page.mouse.move((source.x + target.x) / 2, (source.y + target.y) / 2 + 30, { steps: 5 });
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 5 });
    await page.mouse.up();
  }

  async function addClasses(...names: string[]) {
    for (const name of names) {
      await page.getByTestId('panel-new-class').fill(name);
      await page.getByTestId('panel-new-class').press('Enter');
    }
  }

  it('builds dataset → detection → classification, refuses a loop, validates live, saves and reloads', async () => {
    const { base, token } = platform!;
    const datasetId = await readyDataset(platform!);

    await page.goto(`${base}/signin`);
    await page.fill('#token', token);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/datasets`);
    await page.goto(`${base}/flowcharts`);
    await page.getByTestId('empty-flowcharts').waitFor();
    expect(await page.getByTestId('empty-flowcharts').textContent()).toContain('A flowchart describes what to train');
    await shot('01-empty');

    await page.getByTestId('new-flowchart').click();
    await page.waitForURL(`${base}/flowcharts/new`);
    await page.getByTestId('palette').waitFor();
    // Tasks without an architecture are listed but cannot be added.
    expect(await page.getByTestId('palette-enhancement').isDisabled()).toBe(true);
    await page.getByTestId('palette-dataset').click();
    await page.getByTestId('panel-dataset').selectOption(datasetId);
    await page.getByTestId('palette-detection').click();
    await addClasses('round', 'square', 'triangle');
    await page.getByTestId('palette-classification').click();
    await addClasses('circle', 'ring');
    await page.getByTestId('flowchart-name').fill('shapes cascade');

    await connect('dataset-1', 'stage-1');
    await connect('stage-1', 'stage-2');
    await shot('02a-connected');
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(2);
    // The classifier is fed by the detector: the shared validator asks which class it refines.
    const missingParent = page.locator('[data-testid=problem-list] [data-code=missing_parent_class]');
    await missingParent.waitFor();
    await page.getByTestId('node-problems-stage-2').waitFor();
    await shot('02-missing-parent-class');

    // Classifier back into the detector: refused, with the reason, and no edge added.
    await connect('stage-2', 'stage-1');
    expect(await page.getByTestId('refusal').textContent()).toContain('it would make a loop');
    expect(await page.locator('.svelte-flow__edge').count()).toBe(2);
    await shot('03-cycle-refused');

    await page.getByTestId('node-stage-2').click();
    await page.getByTestId('panel-parent-class').selectOption('round');
    await page.getByTestId('panel-epochs').fill('2');
    await missingParent.waitFor({ state: 'detached' });
    expect(await page.getByTestId('problem-list').textContent()).toContain('No problems');
    await shot('04-valid');

    await page.getByTestId('save').click();
    await expect.poll(() => page.getByTestId('editor-message').textContent()).toContain('Saved (revision 1)');
    await expect.poll(() => page.url()).toMatch(/\/flowcharts\/[^/]+$/);
    const savedUrl = page.url();
    expect(savedUrl).not.toContain('/new');

    await page.reload();
    await page.getByTestId('node-stage-2').waitFor();
    expect(await page.getByTestId('node-stage-2').textContent()).toContain('round');
    expect(await page.getByTestId('node-dataset-1').textContent()).toContain('shapes');
    expect(await page.locator('.svelte-flow__edge').count()).toBe(2);
    expect(await page.getByTestId('flowchart-name').inputValue()).toBe('shapes cascade');
    expect(await page.getByTestId('problem-list').textContent()).toContain('No problems');
    await shot('05-reloaded');

    // Download parameters, then upload that file on the list page: a second, identical flowchart.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    const file = JSON.parse(await readFile((await download.path())!, 'utf8')) as { name: string; graph: { nodes: unknown[]; edges: unknown[] } };
    expect(file.name).toBe('shapes cascade');
    expect(file.graph.nodes).toHaveLength(3);
    expect(file.graph.edges).toHaveLength(2);

    await page.goto(`${base}/flowcharts`);
    await page.getByTestId('flowchart-table').waitFor();
    expect(await page.getByTestId('flowchart-table').textContent()).toContain('shapes cascade');
    await shot('06-list');
    await page.setInputFiles('[data-testid=upload-flowchart]', (await download.path())!);
    await page.waitForURL((url) => /\/flowcharts\/[^/]+$/.test(url.pathname) && url.href !== savedUrl);
    await page.getByTestId('node-stage-2').waitFor();
    expect(await page.getByTestId('problem-list').textContent()).toContain('No problems');
    await page.goto(`${base}/flowcharts`);
    await expect.poll(() => page.locator('[data-testid=flowchart-table] tbody tr').count()).toBe(2);
  }, 240_000);
});
