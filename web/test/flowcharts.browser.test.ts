/**
 * The flowchart editor in a real browser (Debian's Chromium through playwright-core) against the
 * whole platform: the empty list, then dataset → detection → classification built by clicking the
 * palette and dragging between handles, classes and a parent class set in the side panel, a loop
 * refused with its reason, the shared validator's problem appearing and going away, save, reload;
 * the list's thumbnails (neutral before any run), a stage switched to reuse with no model to pick
 * and back to train, task names in both languages.
 * Screenshots of each step go to web/test-artifacts/flowchart-*.png.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '@aip/infra/testing';
import { addClasses, connect, readyDataset, signInAsAdmin } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';

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

  it('builds dataset → detection → classification, refuses a loop, validates live, saves and reloads', async () => {
    const { base } = platform!;
    const datasetId = await readyDataset(platform!, { images: 8, seed: 3 });

    await signInAsAdmin(page, platform!);
    await page.goto(`${base}/flowcharts`);
    await page.getByTestId('empty-flowcharts').waitFor();
    expect(await page.getByTestId('empty-flowcharts').textContent()).toContain('A flowchart describes what to train');
    await shot('01-empty');

    await page.getByTestId('new-flowchart').click();
    await page.waitForURL(`${base}/flowcharts/new`);
    await page.getByTestId('palette').waitFor();
    // Every task type has architectures now: all of them can be added.
    expect(await page.getByTestId('palette-text_detection').isDisabled()).toBe(false);
    await page.getByTestId('palette-dataset').click();
    await page.getByTestId('panel-dataset').selectOption(datasetId);
    await page.getByTestId('palette-detection').click();
    await addClasses(page, 'round', 'square', 'triangle');
    await page.getByTestId('palette-classification').click();
    await addClasses(page, 'circle', 'ring');
    await page.getByTestId('flowchart-name').fill('shapes cascade');

    await connect(page, 'dataset-1', 'stage-1');
    await connect(page, 'stage-1', 'stage-2');
    await shot('02a-connected');
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(2);
    // The classifier is fed by the detector: the shared validator asks which class it refines.
    const missingParent = page.locator('[data-testid=problem-list] [data-code=missing_parent_class]');
    await missingParent.waitFor();
    await page.getByTestId('node-problems-stage-2').waitFor();
    // In English the editor says what the validator says.
    expect(await missingParent.textContent()).toBe(
      'The stage "stage-2" is fed by the detector "stage-1": choose which of its classes it refines ("round", "square" and "triangle").',
    );
    await shot('02-missing-parent-class');

    // Classifier back into the detector: refused, with the reason, and no edge added.
    await connect(page, 'stage-2', 'stage-1');
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

    // The overview: a thumbnail of each flowchart, every box neutral since nothing has run yet.
    const thumbnails = page.locator('[data-testid=flowchart-table] [data-testid=mini-graph]');
    expect(await thumbnails.count()).toBe(2);
    expect(await thumbnails.first().locator('g[data-node]').count()).toBe(3);
    expect(await thumbnails.first().locator('line').count()).toBe(2);
    expect(await page.locator('[data-testid=flowchart-table] g[data-kind=none]').count()).toBe(6);
    expect(await page.getByTestId('last-run').first().textContent()).toContain('Not run yet');
    expect(await page.locator('[data-testid=flowchart-table] [data-testid^=bundle-]').count()).toBe(0);
    await shot('07-list-thumbnails');

    // The classifier's panel: task names translated, then reuse mode with no model to pick yet.
    await page.goto(savedUrl);
    await page.getByTestId('node-stage-2').click();
    expect(await page.getByTestId('panel-task').textContent()).toBe('Image classification');
    expect(await page.getByTestId('palette-detection').textContent()).toContain('Object detection');
    expect(await page.getByTestId('node-stage-1').textContent()).toContain('Object detection');
    // Train mode offers initial weights: none exist yet, so only "from scratch".
    expect(await page.getByTestId('panel-init-model').locator('option').allTextContents()).toEqual(['None: train from scratch']);
    await page.getByTestId('panel-mode-reuse').check();
    await page.getByTestId('panel-models-empty').waitFor();
    expect(await page.getByTestId('panel-models-empty').textContent()).toContain('There is no model of the task “Image classification” to reuse yet');
    const noModel = page.locator('[data-testid=problem-list] [data-code=reuse_without_model]');
    await noModel.waitFor();
    expect(await page.locator('[data-testid=panel-model-problems] [data-code=reuse_without_model]').count()).toBe(1);
    await page.getByTestId('node-problems-stage-2').waitFor();
    // Nothing is trained in reuse mode: no architecture, no hyper-parameters.
    expect(await page.getByTestId('panel-epochs').count()).toBe(0);
    expect(await page.getByTestId('panel-arch').count()).toBe(0);
    await shot('08-reuse-no-models');

    await page.getByTestId('panel-mode-train').check();
    await noModel.waitFor({ state: 'detached' });
    expect(await page.getByTestId('panel-epochs').inputValue()).toBe('2');
    expect(await page.getByTestId('problem-list').textContent()).toContain('No problems');
    await shot('09-train-again');

    // The same panel in Chinese: task names and help texts translated.
    await page.getByTestId('language').selectOption('zh-CN');
    expect(await page.getByTestId('panel-task').textContent()).toBe('图像分类');
    expect(await page.getByTestId('palette-detection').textContent()).toContain('目标检测');
    await page.getByTestId('panel-mode-reuse').check();
    await page.getByTestId('panel-models-empty').waitFor();
    // The validator's problems in Chinese too: in the list, on the box and beside the model picker.
    const reuseZh = '阶段“stage-2”设为复用已有模型，但还没有选择模型：请选择要复用的模型，或改为训练新模型。';
    await expect.poll(() => noModel.textContent()).toBe(reuseZh);
    expect(await page.getByTestId('node-problems-stage-2').textContent()).toBe(reuseZh);
    expect(await page.locator('[data-testid=panel-model-problems] [data-code=reuse_without_model]').textContent()).toBe(reuseZh);
    await shot('10-reuse-zh');
    await page.getByTestId('panel-mode-train').check();
    // A setting out of range: named as its field, with what it must be.
    await page.getByTestId('panel-epochs').fill('0');
    const badEpochs = page.locator('[data-testid=problem-list] [data-code=invalid_node]');
    await expect.poll(() => badEpochs.textContent()).toContain('阶段“stage-2”的设置“训练轮数”现在是 0');
    await shot('10b-epochs-zh');
    await page.getByTestId('panel-epochs').fill('2');
    await badEpochs.waitFor({ state: 'detached' });
    await page.goto(`${base}/flowcharts`);
    await page.getByTestId('flowchart-table').waitFor();
    expect(await page.getByTestId('last-run').first().textContent()).toContain('尚未运行');
    await shot('11-list-zh');
    await page.getByTestId('language').selectOption('en');
  }, 240_000);
});
