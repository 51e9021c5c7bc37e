/**
 * The built-in labelers in a real browser (Debian's Chromium through playwright-core) against the
 * whole platform: a zip of unlabeled images feeds a detector, and another run a segmentation stage;
 * each run stops at its stage, which waits for labels with a labeling job. The stage page shows the
 * job's progress and leads to the labeler. Boxes: draw, move, resize, change the class (a key and
 * the list), delete, zoom; polygons: click the points, close, Escape a polygon in progress, drag a
 * vertex, change the class, delete. Every change autosaves; after a reload everything is still
 * there, and the API has exactly what the page shows. "Finish labeling" with images left asks first
 * and says how many. Also the classification grid (range selection, a key per class) and the text
 * line reader (Enter saves and goes on), then finishing anyway. Screenshots of each step go to
 * web/test-artifacts/labeling-*.png.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drawShapeImages, PlatformApi, type EmbeddedPlatform } from '@aip/infra/testing';
import { signInAsAdmin, writeUnlabeledZip } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';

const IMAGES = 6;
/** The shapes images are 128 × 128 pixels. */
const SIZE = 128;

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  label: string;
}

describe('box and polygon labelers in Chromium (Temporal dev server, embedded platform on PGlite)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform | undefined;
  let page: Page;
  let api: PlatformApi;
  let datasetId = '';
  /** Uncaught errors of the page: none may happen. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
    ({ platform, page } = session);
    page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
    api = new PlatformApi(platform.base, platform.token);
    const zip = path.join(platform.home, 'unlabeled.zip');
    await writeUnlabeledZip(await drawShapeImages(IMAGES, 21), zip);
    // (Not uploadReady: expect.poll is for tests, not for their set-up.)
    datasetId = (await api.uploadDataset(zip, { name: 'photos', format: 'unlabeled' })).id;

    await signInAsAdmin(page, platform);
  });

  afterAll(async () => {
    await session?.close();
  });

  afterEach(() => {
    expect(pageErrors, 'errors thrown in the page').toEqual([]);
  });

  const shot = (name: string) => session!.shot(`labeling-${name}`);

  /** Starts a run of dataset → one stage and waits until that stage waits for labels; its run and labeling job. */
  async function waitingStage(name: string, stage: { type: string; arch: string; imageSize?: number; classes?: string[] }): Promise<{ runId: string; jobId: string }> {
    const { type, classes = ['round', 'angular'], ...settings } = stage;
    const runId = await api.startRun(name, {
      nodes: [
        { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
        { id: 'stage', type, position: { x: 250, y: 0 }, data: { ...settings, classes, epochs: 1 } },
      ],
      edges: [{ id: 'e1', source: 'data', target: 'stage' }],
    });
    let last: unknown;
    await expect
      .poll(
        async () => {
          const run = (await api.call('GET', `/api/runs/${runId}`)).body;
          last = run;
          const found = run.stages.find((s: { nodeId: string }) => s.nodeId === 'stage');
          return found?.state === 'awaiting_labels' && typeof found.labelingJobId === 'string';
        },
        { timeout: 180_000, interval: 1000, message: `the stage never waited for labels: ${JSON.stringify(last)}` },
      )
      .toBe(true);
    const run = (await api.call('GET', `/api/runs/${runId}`)).body;
    return { runId, jobId: run.stages.find((s: { nodeId: string }) => s.nodeId === 'stage').labelingJobId };
  }

  /**
   * Where an image pixel is on screen (through the canvas's own transform: viewBox, zoom, margins),
   * the canvas scrolled into view first: the mouse only reaches what the viewport shows.
   */
  const onScreen = (x: number, y: number) =>
    page.getByTestId('label-canvas').evaluate(
      (svg, [px, py]) => {
        const canvas = svg as SVGSVGElement;
        const box = canvas.getBoundingClientRect();
        if (box.top < 0 || box.bottom > window.innerHeight) canvas.scrollIntoView({ block: 'center' });
        const point = canvas.createSVGPoint();
        point.x = px!;
        point.y = py!;
        const screen = point.matrixTransform(canvas.getScreenCTM()!);
        return { x: screen.x, y: screen.y };
      },
      [x, y],
    );

  /** A drag on the canvas from one image pixel to another, as a person does it. */
  async function drag(from: [number, number], to: [number, number]) {
    const a = await onScreen(...from);
    const b = await onScreen(...to);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.mouse.up();
  }

  async function clickAt(x: number, y: number) {
    const point = await onScreen(x, y);
    await page.mouse.click(point.x, point.y);
  }

  /** The boxes the labeler draws, in image pixels. */
  const drawnBoxes = () =>
    page.locator('[data-testid=box-labeler] g[data-box]').evaluateAll((groups) =>
      groups.map((group) => {
        const rect = group.querySelector('rect.outline')!;
        const [x, y, width, height] = ['x', 'y', 'width', 'height'].map((name) => Number(rect.getAttribute(name)));
        return { x1: x!, y1: y!, x2: x! + width!, y2: y! + height!, label: group.getAttribute('data-label') ?? '' };
      }),
    );

  /** The polygons the labeler draws, in image pixels. */
  const drawnPolygons = () =>
    page.locator('[data-testid=polygon-labeler] g[data-polygon]').evaluateAll((groups) =>
      groups.map((group) => ({
        label: group.getAttribute('data-label') ?? '',
        points: (group.querySelector('polygon.outline')!.getAttribute('points') ?? '')
          .trim()
          .split(/\s+/)
          .map((pair) => pair.split(',').map(Number) as [number, number]),
      })),
    );

  const expectBoxNear = (actual: Box | undefined, expected: Box) => {
    expect(actual?.label).toBe(expected.label);
    for (const key of ['x1', 'y1', 'x2', 'y2'] as const) expect(Math.abs(actual![key] - expected[key]), `${key} of ${JSON.stringify(actual)}`).toBeLessThanOrEqual(1.5);
  };

  const itemId = () => new URL(page.url()).searchParams.get('item');
  const allSaved = () => expect.poll(() => page.getByTestId('save-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('saved');
  const imageShown = () => page.locator('[data-testid=label-canvas] image').waitFor();

  it('draws, moves, resizes, relabels and deletes boxes; they autosave and survive a reload', async () => {
    const { base } = platform!;
    const { runId, jobId } = await waitingStage('label boxes', { type: 'detection', arch: 'tiny_det', imageSize: SIZE });

    // The stage page: the job's progress and the way to the labeler.
    await page.goto(`${base}/runs/${encodeURIComponent(runId)}/stages/stage`);
    await page.getByTestId('stage-labeling').waitFor();
    expect(await page.getByTestId('stage-state').getAttribute('data-state')).toBe('awaiting_labels');
    expect(await page.getByTestId('labeling-progress').textContent()).toContain(`0 of ${IMAGES} images labeled`);
    await shot('01-stage-awaiting-labels');
    await page.getByTestId('open-labeler').click();
    await page.waitForURL(new RegExp(`/labeling/${jobId}`));
    await page.getByTestId('box-labeler').waitFor();
    await imageShown();
    await expect.poll(itemId).not.toBeNull();
    const firstItem = itemId()!;
    expect(await page.getByTestId('item-state').getAttribute('data-labeled')).toBe('false');
    await shot('02-box-labeler');

    // Draw a box of the first class (round).
    await drag([20, 20], [60, 50]);
    await expect.poll(() => page.locator('[data-testid=box-labeler] g[data-box]').count()).toBe(1);
    expectBoxNear((await drawnBoxes())[0], { x1: 20, y1: 20, x2: 60, y2: 50, label: 'round' });

    // Move it by its middle, then resize it by its lower right handle.
    await drag([40, 35], [50, 45]);
    await expect.poll(async () => Math.round((await drawnBoxes())[0]!.x1)).toBe(30);
    expectBoxNear((await drawnBoxes())[0], { x1: 30, y1: 30, x2: 70, y2: 60, label: 'round' });
    await page.locator('[data-testid=box-labeler] [data-handle=se]').waitFor();
    await drag([70, 60], [90, 85]);
    await expect.poll(async () => Math.round((await drawnBoxes())[0]!.x2)).toBe(90);
    expectBoxNear((await drawnBoxes())[0], { x1: 30, y1: 30, x2: 90, y2: 85, label: 'round' });

    // Key 2 gives the selected box the second class.
    await page.keyboard.press('2');
    await expect.poll(async () => (await drawnBoxes())[0]!.label).toBe('angular');

    // A second box (now drawn as angular), changed back to round in the list.
    await drag([5, 95], [25, 120]);
    await expect.poll(() => page.locator('[data-testid=box-labeler] g[data-box]').count()).toBe(2);
    await page.getByLabel('Class of shape 2').selectOption('round');
    await expect.poll(async () => (await drawnBoxes())[1]!.label).toBe('round');

    // A third box, deleted with the Delete key; Escape lets go of the selection.
    await drag([100, 5], [120, 30]);
    await expect.poll(() => page.locator('[data-testid=box-labeler] g[data-box]').count()).toBe(3);
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('[data-testid=box-labeler] g[data-box]').count()).toBe(2);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid=box-labeler] [data-handle]').count()).toBe(0);

    // Zoom in and back to the whole image.
    await page.keyboard.press('Equal');
    await expect.poll(async () => Number(await page.getByTestId('label-canvas').getAttribute('data-zoom'))).toBeCloseTo(1.5);
    await shot('03-boxes-zoomed');
    await page.keyboard.press('0');
    await expect.poll(async () => Number(await page.getByTestId('label-canvas').getAttribute('data-zoom'))).toBe(1);

    await allSaved();
    const expected: Box[] = [
      { x1: 30, y1: 30, x2: 90, y2: 85, label: 'angular' },
      { x1: 5, y1: 95, x2: 25, y2: 120, label: 'round' },
    ];
    const saved = (await api.call('GET', `/api/labeling/jobs/${jobId}/items/${firstItem}`)).body;
    expect(saved.labels.boxes).toHaveLength(2);
    saved.labels.boxes.forEach((box: Box, index: number) => expectBoxNear(box, expected[index]!));
    await expect.poll(() => page.getByTestId('labeling-progress').getAttribute('data-labeled')).toBe('1');
    await shot('04-boxes-saved');

    // Reload: the same image, its boxes where they were, and it counts as labeled.
    await page.reload();
    await page.getByTestId('box-labeler').waitFor();
    await imageShown();
    expect(itemId()).toBe(firstItem);
    await expect.poll(() => page.locator('[data-testid=box-labeler] g[data-box]').count()).toBe(2);
    const reloaded = await drawnBoxes();
    reloaded.forEach((box, index) => expectBoxNear(box, expected[index]!));
    expect(await page.getByTestId('item-state').getAttribute('data-labeled')).toBe('true');
    expect(await page.getByTestId('labeling-progress').textContent()).toContain(`1 of ${IMAGES} images labeled`);
    await shot('05-boxes-after-reload');

    // N moves on to another image.
    await page.keyboard.press('n');
    await expect.poll(itemId).not.toBe(firstItem);

    // Finishing with images left asks first, saying how many; going on labeling keeps the job open.
    await page.getByTestId('finish-labeling').click();
    await page.getByTestId('finish-confirm').waitFor({ state: 'visible' });
    expect(await page.getByTestId('finish-left').textContent()).toContain(`${IMAGES - 1} of ${IMAGES} images have no labels yet`);
    await shot('06-finish-confirm');
    await page.getByRole('button', { name: 'Go on labeling' }).click();
    await page.getByTestId('finish-confirm').waitFor({ state: 'hidden' });
    expect(await page.getByTestId('job-state').getAttribute('data-state')).toBe('open');
    expect((await api.call('GET', `/api/labeling/jobs/${jobId}`)).body.state).toBe('open');

    // The labeling page lists the job.
    await page.getByRole('link', { name: 'Labeling', exact: true }).first().click();
    await page.waitForURL(`${base}/labeling`);
    await page.locator(`[data-testid=labeling-jobs] tr[data-job="${jobId}"]`).waitFor();
    await shot('07-jobs');
  });

  it('draws polygons point by point, drags a vertex, relabels and deletes; they autosave and survive a reload', async () => {
    const { base } = platform!;
    const { jobId } = await waitingStage('label polygons', { type: 'segmentation', arch: 'tiny_unet', imageSize: 64 });

    await page.goto(`${base}/labeling/${jobId}`);
    await page.getByTestId('polygon-labeler').waitFor();
    await imageShown();
    await expect.poll(itemId).not.toBeNull();
    const firstItem = itemId()!;
    await shot('08-polygon-labeler');

    // A polygon in progress is dropped with Escape.
    await clickAt(100, 100);
    await clickAt(120, 100);
    await expect.poll(() => page.getByTestId('polygon-labeler').getAttribute('data-drawing')).toBe('2');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('polygon-labeler').getAttribute('data-drawing')).toBe('0');

    // Four points clockwise, then the first again closes the polygon (round, the first class).
    for (const [x, y] of [[20, 20], [60, 20], [60, 60], [20, 60]] as const) await clickAt(x, y);
    await expect.poll(() => page.getByTestId('polygon-labeler').getAttribute('data-drawing')).toBe('4');
    await shot('09-polygon-drawing');
    await clickAt(20, 20);
    await expect.poll(() => page.locator('[data-testid=polygon-labeler] g[data-polygon]').count()).toBe(1);
    let [polygon] = await drawnPolygons();
    expect(polygon!.label).toBe('round');
    expect(polygon!.points).toHaveLength(4);

    // Drag the lower right vertex (the polygon is selected after closing), then key 2: angular.
    await page.locator('[data-testid=polygon-labeler] circle[data-vertex="2"]').waitFor();
    await drag([60, 60], [75, 80]);
    await expect.poll(async () => (await drawnPolygons())[0]!.points[2]!.map(Math.round)).toEqual([75, 80]);
    await page.keyboard.press('2');
    await expect.poll(async () => (await drawnPolygons())[0]!.label).toBe('angular');

    // A triangle elsewhere, deleted with Delete (a polygon just closed has no vertex selected).
    for (const [x, y] of [[90, 10], [120, 10], [105, 40], [90, 10]] as const) await clickAt(x, y);
    await expect.poll(() => page.locator('[data-testid=polygon-labeler] g[data-polygon]').count()).toBe(2);
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('[data-testid=polygon-labeler] g[data-polygon]').count()).toBe(1);
    await shot('10-polygon-edited');

    await allSaved();
    const expectedPoints = [[20, 20], [60, 20], [75, 80], [20, 60]];
    const near = (points: number[][]) => points.map(([x, y]) => [Math.round(x!), Math.round(y!)]);
    const saved = (await api.call('GET', `/api/labeling/jobs/${jobId}/items/${firstItem}`)).body;
    expect(saved.labels.polygons).toHaveLength(1);
    expect(saved.labels.polygons[0].label).toBe('angular');
    expect(near(saved.labels.polygons[0].points)).toEqual(expectedPoints);

    // Reload: still there.
    await page.reload();
    await page.getByTestId('polygon-labeler').waitFor();
    await imageShown();
    expect(itemId()).toBe(firstItem);
    await expect.poll(() => page.locator('[data-testid=polygon-labeler] g[data-polygon]').count()).toBe(1);
    [polygon] = await drawnPolygons();
    expect(polygon!.label).toBe('angular');
    expect(near(polygon!.points)).toEqual(expectedPoints);
    expect(await page.getByTestId('item-state').getAttribute('data-labeled')).toBe('true');
    await shot('11-polygon-after-reload');

    // The export for other tools and the webhook are on the page.
    await page.getByTestId('labeling-export').scrollIntoViewIfNeeded();
    expect(await page.getByTestId('webhook-url').textContent()).toContain(`/api/hooks/labeling/${jobId}`);
    await shot('12-export-webhook');
  });

  it('labels a page of images by class: click, Shift+click, a key; the labels are kept', async () => {
    const { base } = platform!;
    const { jobId } = await waitingStage('label classes', { type: 'classification', arch: 'tiny_cnn', imageSize: 64 });
    await page.goto(`${base}/labeling/${jobId}`);
    const tiles = page.locator('[data-testid=classification-grid] [data-item]');
    await expect.poll(() => tiles.count()).toBe(IMAGES);
    await expect.poll(() => page.locator('[data-testid=classification-grid] img').count()).toBe(IMAGES);

    // The first three with a click and a Shift+click, then 2: angular.
    await tiles.nth(0).click();
    await tiles.nth(2).click({ modifiers: ['Shift'] });
    expect(await page.getByTestId('selected-count').textContent()).toBe('3 selected');
    await page.keyboard.press('2');
    // The fourth with 1: round; the selection moves on to the fifth.
    await tiles.nth(3).click();
    await page.keyboard.press('1');
    expect(await tiles.nth(4).getAttribute('aria-pressed')).toBe('true');
    const labels = () => tiles.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-label')));
    expect(await labels()).toEqual(['angular', 'angular', 'angular', 'round', '', '']);
    await allSaved();
    await expect.poll(() => page.getByTestId('labeling-progress').getAttribute('data-labeled')).toBe('4');
    await shot('13-classification-grid');

    // After a reload, "to label" holds the two images left; "all images" shows the four labels.
    await page.reload();
    await expect.poll(() => tiles.count()).toBe(IMAGES - 4);
    await page.getByTestId('view-all').click();
    await expect.poll(() => tiles.count()).toBe(IMAGES);
    expect((await labels()).sort()).toEqual(['', '', 'angular', 'angular', 'angular', 'round']);
  });

  it('reads a text line: the crop large, the text typed, Enter saves and goes on; finishing early asks first', async () => {
    const { base } = platform!;
    const { jobId } = await waitingStage('read lines', { type: 'text_recognition', arch: 'crnn_tiny', classes: [] });
    await page.goto(`${base}/labeling/${jobId}`);
    await page.getByTestId('text-labeler').waitFor();
    await page.locator('[data-testid=text-labeler] img').waitFor();
    await expect.poll(itemId).not.toBeNull();
    const firstItem = itemId()!;
    // The field has the focus: typing goes straight in.
    await page.keyboard.type('EXIT 7');
    await shot('14-text-labeler');
    await page.keyboard.press('Enter');
    await expect.poll(itemId).not.toBe(firstItem);
    await expect.poll(() => page.getByTestId('text-input').inputValue()).toBe('');
    await allSaved();
    expect((await api.call('GET', `/api/labeling/jobs/${jobId}/items/${firstItem}`)).body.labels).toEqual({ text: 'EXIT 7' });

    // Finishing anyway, with the other images left out: the job closes and says so.
    await page.getByTestId('finish-labeling').click();
    await page.getByTestId('finish-confirm').waitFor({ state: 'visible' });
    expect(await page.getByTestId('finish-left').getAttribute('data-left')).toBe(String(IMAGES - 1));
    await page.getByTestId('finish-anyway').click();
    await page.getByTestId('job-closed').waitFor();
    expect(await page.getByTestId('job-state').getAttribute('data-state')).toBe('completed');
    expect((await api.call('GET', `/api/labeling/jobs/${jobId}`)).body.state).toBe('completed');
    await shot('15-finished');
  });
});
