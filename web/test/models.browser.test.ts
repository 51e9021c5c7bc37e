/**
 * The dataset gallery and the models page in a real browser (Debian's Chromium through
 * playwright-core) against the whole platform: a ready detection dataset's images, fetched with the
 * session cookie, with their boxes drawn where the manifest puts them; the split filter and "show
 * more"; the models page's first-time empty state (a model only comes from a finished run, which the
 * whole-flow test covers); the dataset's download as YOLO. Screenshots go to web/test-artifacts/models-*.png.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { extractZip } from '@aip/datasets-spec';
import { drawShapeImages, type EmbeddedPlatform } from '@aip/infra/testing';
import { readyDataset, signInAsAdmin, uploadReady } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';
import { webRoot } from './web-build.ts';

const IMAGES = 28;

interface Sample {
  path: string;
  split: string;
  boxes: { x1: number; y1: number; x2: number; y2: number; label: string }[];
}

describe('dataset gallery and models page in Chromium (Temporal dev server, embedded platform on PGlite)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform | undefined;
  let page: Page;

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
    ({ platform, page } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => session!.shot(`models-${name}`);

  /** Every image shown in the gallery has been fetched with the session cookie and decoded. */
  const loadedImages = () =>
    page.$$eval('[data-testid=dataset-gallery] [data-testid=annotated-image] img', (images) =>
      images.filter((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0).length,
    );

  it('shows a ready dataset’s images with their boxes, filters by split and pages', async () => {
    const { base, token } = platform!;
    const datasetId = await readyDataset(platform!, { images: IMAGES, seed: 5 });
    const auth = { authorization: `Bearer ${token}` };
    const all = (await (await fetch(`${base}/api/datasets/${datasetId}/samples?limit=200`, { headers: auth })).json()) as {
      total: number;
      items: Sample[];
    };
    expect(all.total).toBe(IMAGES);

    await signInAsAdmin(page, platform!);
    await page.goto(`${base}/datasets/${datasetId}`);
    await page.getByTestId('dataset-gallery').waitFor();
    await expect.poll(() => page.getByTestId('gallery-count').textContent()).toBe(`Showing 24 of ${IMAGES} images`);
    await expect.poll(loadedImages, { timeout: 30_000 }).toBe(24);

    // The first image's boxes: one green rectangle per manifest box, at its pixel coordinates,
    // in an overlay whose viewBox is the image's pixel size, each labelled.
    const first = all.items[0]!;
    const cell = page.locator(`[data-path="${first.path}"]`);
    const rects = await cell.locator('g.truth rect.box').evaluateAll((nodes) =>
      nodes.map((node) => ['x', 'y', 'width', 'height'].map((name) => Number(node.getAttribute(name)))),
    );
    expect(rects).toEqual(first.boxes.map((b) => [b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1]));
    expect(await cell.locator('g.truth text').allTextContents()).toEqual(first.boxes.map((b) => b.label));
    expect(await cell.locator('svg').getAttribute('viewBox')).toMatch(/^0 0 \d+ \d+$/);
    const drawn = await page.$$eval('[data-testid=dataset-gallery] g.truth rect.box', (nodes) => nodes.length);
    expect(drawn).toBe(all.items.slice(0, 24).reduce((sum, item) => sum + item.boxes.length, 0));
    expect(drawn).toBeGreaterThan(0);
    await shot('01-gallery');

    // Close-up of one image: the boxes sit on the shapes.
    await cell.screenshot({ path: path.join(webRoot, 'test-artifacts', 'models-02-gallery-image.png') });

    await page.getByTestId('gallery-more').click();
    await expect.poll(() => page.getByTestId('gallery-count').textContent()).toBe(`Showing ${IMAGES} of ${IMAGES} images`);
    await expect.poll(loadedImages, { timeout: 30_000 }).toBe(IMAGES);
    expect(await page.getByTestId('gallery-more').count()).toBe(0);

    const testImages = all.items.filter((item) => item.split === 'test');
    await page.getByTestId('gallery-split-test').click();
    await expect
      .poll(() => page.getByTestId('gallery-count').textContent())
      .toBe(testImages.length === 0 ? 'This split has no images. (A dataset uploaded with train/ and test/ folders has no validation split: training sets some training images aside instead.)' : `Showing ${testImages.length} of ${testImages.length} images`);
    await expect.poll(loadedImages, { timeout: 30_000 }).toBe(testImages.length);
    expect(await page.locator('[data-testid=dataset-gallery] [data-path]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-path')))).toEqual(
      testImages.map((item) => item.path),
    );
    expect(await page.getByTestId('gallery-split-test').getAttribute('aria-pressed')).toBe('true');
    await shot('03-gallery-test-split');

    // Download for other tools: a detection dataset offers COCO and YOLO, not class folders; the
    // YOLO zip holds one label file per image.
    expect(await page.getByTestId('dataset-export').locator('button').allTextContents()).toEqual(['COCO JSON', 'YOLO']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-yolo').click()]);
    expect(download.suggestedFilename()).toMatch(/-yolo\.zip$/);
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'aip-test-yolo-'));
    try {
      await download.saveAs(path.join(scratch, 'yolo.zip'));
      const { files } = await extractZip(path.join(scratch, 'yolo.zip'), path.join(scratch, 'yolo'));
      expect(files).toContain('data.yaml');
      expect(files.filter((file) => file.startsWith('labels/') && file.endsWith('.txt'))).toHaveLength(IMAGES);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('draws a segmentation dataset’s polygons', async () => {
    const { base, home } = platform!;
    // The shapes as diamonds: each box's edge midpoints, clockwise on screen (image y grows down).
    const images = await drawShapeImages(6, 11);
    const lines = images.flatMap((image) => [
      `images/${image.name},${image.width},${image.height}`,
      String(image.boxes.length),
      ...image.boxes.map((b) => {
        const [cx, cy] = [Math.round((b.x1 + b.x2) / 2), Math.round((b.y1 + b.y2) / 2)];
        return `(${cx},${b.y1}),(${b.x2},${cy}),(${cx},${b.y2}),(${b.x1},${cy}),${b.label}`;
      }),
    ]);
    const zip = new yazl.ZipFile();
    for (const image of images) zip.addBuffer(image.png, `leaves/images/${image.name}`);
    zip.addBuffer(Buffer.from(`${lines.join('\n')}\n`), 'leaves/label.txt');
    zip.end();
    const zipPath = path.join(home, 'segmentation.zip');
    await pipeline(zip.outputStream, createWriteStream(zipPath));
    const datasetId = await uploadReady(platform!, zipPath, 'leaves', 'segmentation');

    await page.goto(`${base}/datasets/${datasetId}`);
    await page.getByTestId('dataset-gallery').waitFor();
    await expect.poll(loadedImages, { timeout: 30_000 }).toBe(images.length);
    const polygons = page.locator('[data-testid=dataset-gallery] g.truth[data-shape=polygon] polygon.box');
    expect(await polygons.count()).toBe(images.reduce((sum, image) => sum + image.boxes.length, 0));
    expect(await polygons.first().getAttribute('points')).toMatch(/^\d+,\d+ \d+,\d+ \d+,\d+ \d+,\d+$/);
    expect(await page.locator('[data-testid=dataset-gallery] rect.box').count()).toBe(0);
    await shot('03b-gallery-polygons');
  });

  it('tells a first-time user where models come from', async () => {
    const { base } = platform!;
    await page.goto(`${base}/models`);
    await page.getByTestId('empty-models').waitFor();
    expect(await page.getByTestId('empty-models').textContent()).toContain('Models appear here when a flowchart run finishes');
    expect(await page.getByTestId('empty-models').locator('a').getAttribute('href')).toBe('/flowcharts');
    await shot('04-models-empty');

    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.locator('h1').textContent()).toBe('模型');
    await shot('05-models-empty-zh');
    await page.getByTestId('empty-models').locator('a').click();
    await page.waitForURL(`${base}/flowcharts`);
  });
});

