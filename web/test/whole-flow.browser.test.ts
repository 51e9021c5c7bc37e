/**
 * The product from start to finish in a real browser (Debian's Chromium through playwright-core)
 * against the whole platform, training for real: sign in, upload a detection zip and watch it
 * become ready, build dataset → detector → two classifiers by dragging and connecting boxes, see a
 * loop refused, run it, watch the boxes turn green, open the stage pages (timeline, curves,
 * metrics, confusion matrix, PR curve, sample predictions, log, model), download the bundle and a
 * model, and find the run on the flowchart, runs, models and bundles pages. Then every page is
 * read in English and in 简体中文: no English sentence and no raw message key may remain.
 * Screenshots of each step go to web/test-artifacts/flow-*.png and language-*.png.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawShapeImages, writeDetectionZip, type EmbeddedPlatform } from '@aip/infra/testing';
import { en } from '../src/lib/i18n/en.ts';
import { addClasses, connect, signInAsAdmin } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';

/** Enough shapes for the detector to find objects to crop for its classifiers, few enough to train fast. */
const IMAGES = 160;

describe('the whole product in Chromium (Temporal dev server, embedded platform on PGlite, PyTorch trainer)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform | undefined;
  let page: Page;
  /** What the first test made, for the language test to visit. */
  const made = { datasetId: '', flowchartId: '', runId: '' };

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: { width: 1400, height: 950 } });
    ({ platform, page } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => session!.shot(`flow-${name}`);

  const nodeState = (nodeId: string) => page.getByTestId(`run-node-${nodeId}`).getAttribute('data-state');

  it('uploads, builds, runs, watches, inspects and downloads', async () => {
    const { base, token, home } = platform!;

    await signInAsAdmin(page, platform!);

    // Upload through the page and watch the server accept it.
    const zip = path.join(home, 'shapes.zip');
    await writeDetectionZip(await drawShapeImages(IMAGES, 3), zip);
    await page.setInputFiles('form[data-testid=upload] input[type=file]', zip);
    await page.fill('input[name=name]', 'shapes');
    await page.click('form[data-testid=upload] button[type=submit]');
    const result = page.getByTestId('upload-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toContain(`shapes is ready: ${IMAGES} images.`);
    await shot('01-dataset-ready');
    await result.locator('a').click();
    await page.waitForURL(/\/datasets\/[^/]+$/);
    made.datasetId = page.url().split('/').pop()!;
    await page.locator('[data-testid=dataset-stats]').waitFor();

    // Dataset → detector → two classifiers: the last one dragged from the palette onto the canvas.
    await page.goto(`${base}/flowcharts/new`);
    await page.getByTestId('palette').waitFor();
    await page.getByTestId('palette-dataset').click();
    await page.getByTestId('panel-dataset').selectOption(made.datasetId);
    await page.getByTestId('palette-detection').click();
    await addClasses(page, 'round', 'angular');
    await page.getByTestId('palette-classification').click();
    await addClasses(page, 'circle', 'ring');
    const canvas = (await page.locator('.svelte-flow').boundingBox())!;
    await page.getByTestId('palette-classification').dragTo(page.locator('.svelte-flow'), {
      targetPosition: { x: canvas.width * 0.55, y: canvas.height * 0.72 },
    });
    await page.getByTestId('node-stage-3').waitFor();
    await addClasses(page, 'square', 'triangle');
    // Everything in view, so every handle can be reached.
    await page.locator('.svelte-flow__controls-fitview').click();
    await page.getByTestId('flowchart-name').fill('shapes cascade');
    await connect(page, 'dataset-1', 'stage-1');
    await connect(page, 'stage-1', 'stage-2');
    await connect(page, 'stage-1', 'stage-3');
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(3);
    await shot('02-connected');

    // A loop back into the detector is refused with its reason.
    await connect(page, 'stage-3', 'stage-1');
    expect(await page.getByTestId('refusal').textContent()).toContain('it would make a loop');
    expect(await page.locator('.svelte-flow__edge').count()).toBe(3);
    await shot('03-loop-refused');

    await page.getByTestId('node-stage-2').click();
    await page.getByTestId('panel-parent-class').selectOption('round');
    await page.getByTestId('node-stage-3').click();
    await page.getByTestId('panel-parent-class').selectOption('angular');
    await expect.poll(() => page.getByTestId('problem-list').textContent()).toContain('No problems');
    await shot('04-ready-to-run');

    // Run: the editor saves, starts the run and opens its page.
    await page.getByTestId('run').click();
    await page.waitForURL(/\/runs\/[^/]+$/, { timeout: 60_000 });
    made.runId = decodeURIComponent(page.url().split('/').pop()!);
    made.flowchartId = (await page.getByRole('link', { name: 'Open the flowchart' }).getAttribute('href'))!.split('/').pop()!;
    await page.getByTestId('run-graph').waitFor();
    // The detector trains first (a ring shows its progress) while its classifiers wait in blue.
    await expect.poll(() => page.locator('[data-testid=run-node-stage-1][data-kind=running]').count(), { timeout: 120_000 }).toBe(1);
    expect(await nodeState('stage-2')).toBe('pending');
    expect(await page.getByTestId('run-node-dataset-1').getAttribute('data-state')).toBe('none');
    await page.locator('[data-testid=run-node-stage-1] [data-testid=progress-ring]').waitFor({ timeout: 60_000 });
    await shot('05-run-training');

    // Every box turns green without a reload.
    for (const nodeId of ['stage-1', 'stage-2', 'stage-3']) {
      await expect.poll(() => nodeState(nodeId), { timeout: 600_000, interval: 2000 }).toBe('succeeded');
    }
    await expect.poll(() => page.locator('[data-testid=run-bundle] [data-testid^=bundle-]').count(), { timeout: 120_000 }).toBe(1);
    await expect.poll(() => page.locator('[data-status]').first().getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    await page.getByTestId('cascade-metrics').waitFor();
    expect(await page.getByTestId('curl-command').textContent()).toContain('http://localhost:10086/aip');
    expect(await page.getByTestId('cancel-run').count()).toBe(0);
    await shot('06-run-succeeded');

    // The bundle downloads as the zip the server stored.
    const [bundle] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=run-bundle] [data-testid^=bundle-]').click(),
    ]);
    expect(bundle.suggestedFilename()).toBe(`aip-bundle-${made.runId}.zip`);
    const bundleBytes = await readFile((await bundle.path())!);
    expect(bundleBytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const run = (await (await fetch(`${base}/api/runs/${made.runId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      bundle: { size: number };
    };
    expect(bundleBytes.length).toBe(run.bundle.size);

    // The detector's stage page: a double-click on its box.
    await page.getByTestId('run-node-stage-1').dblclick();
    await page.waitForURL(/\/runs\/[^/]+\/stages\/stage-1$/);
    await page.getByTestId('stage-timeline').waitFor();
    expect(await page.getByTestId('stage-state').getAttribute('data-state')).toBe('succeeded');
    const timeline = await page.locator('[data-testid=stage-timeline] li').evaluateAll((items) => items.map((li) => li.getAttribute('data-state')));
    expect(timeline).toEqual(expect.arrayContaining(['preparing', 'training', 'evaluating', 'succeeded']));
    await page.getByTestId('loss-curve').waitFor();
    expect(await page.locator('[data-testid=loss-curve] path').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=stage-metrics] [data-metric=mAP50]').textContent()).toMatch(/\d+(\.\d)?%/);
    await page.getByTestId('pr-curve').waitFor();
    await page.getByTestId('per-class-ap').waitFor();
    await page.locator('[data-testid=stage-samples] svg rect').first().waitFor();
    await page.getByTestId('stage-model').waitFor();
    expect(await page.getByTestId('stage-log').textContent()).toContain('epoch');
    await shot('07-detector-stage');

    // A classifier's stage page: its confusion matrix and predictions on crops.
    await page.goto(`${base}/runs/${encodeURIComponent(made.runId)}/stages/stage-2`);
    await page.getByTestId('confusion-matrix').waitFor();
    expect(await page.locator('[data-testid=stage-metrics] [data-metric=accuracy]').textContent()).toMatch(/%/);
    await page.getByTestId('metric-curve').waitFor();
    await page.getByTestId('stage-samples').waitFor();
    await shot('08-classifier-stage');

    // The model downloads as ONNX from the stage page.
    const [onnx] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=stage-model] button').click()]);
    expect(onnx.suggestedFilename()).toMatch(/\.onnx$/);
    expect((await readFile((await onnx.path())!)).length).toBeGreaterThan(1000);

    // The flowchart list shows the run: green thumbnail boxes, its status and its bundle.
    await page.goto(`${base}/flowcharts`);
    const row = page.locator(`tr[data-flowchart="${made.flowchartId}"]`);
    await row.locator('[data-testid=mini-graph]').waitFor();
    expect(await row.locator('g[data-node=stage-1]').getAttribute('data-kind')).toBe('done');
    expect(await row.locator('[data-testid=last-run]').textContent()).toContain('Succeeded');
    await row.locator(`[data-testid=bundle-${made.runId}]`).waitFor();
    await shot('09-flowcharts');

    await page.goto(`${base}/models`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    await shot('10-models');
    await page.goto(`${base}/bundles`);
    await page.locator(`[data-testid=bundle-table] tr[data-run="${made.runId}"]`).waitFor();
    await page.getByTestId('deploy-instructions').waitFor();
    await shot('11-bundles');
  }, 900_000);

  it('shows every page in Chinese after the switch, with no English sentence or raw key left', async () => {
    const { base, token } = platform!;
    const auth = { authorization: `Bearer ${token}` };
    const json = async (url: string) => (await fetch(`${base}${url}`, { headers: auth })).json();

    // Words that are the user's data (names, classes, ids) or names of things (AIP, ONNX, Temporal …).
    const allowed = new Set(
      ['AIP', 'AI', 'API', 'ONNX', 'Temporal', 'UI', 'POST', 'HTTP', 'English', 'Esc', 'KB', 'MB', 'GB', 'aip', 'AP', 'mAP', 'F1', 'Macro', 'Docker', 'Node', 'js', 'zip', 'deploy', 'sh', 'macOS', 'sha256', 'JSON', 'COCO', 'YOLO', 'tiny_det', 'tiny_cnn'].map((w) =>
        w.toLowerCase(),
      ),
    );
    const allow = (value: unknown) => {
      for (const word of String(value).match(/[A-Za-z][A-Za-z0-9_-]*/g) ?? []) allowed.add(word.toLowerCase());
    };
    const [datasets, models, runs, flowcharts, me] = await Promise.all(
      ['/api/datasets', '/api/models', '/api/runs', '/api/flowcharts', '/api/me'].map(json),
    );
    for (const value of [me.name, me.email]) allow(value);
    // The account and admin pages show the names of API tokens and of users: data too.
    const [tokens, users] = await Promise.all(['/api/me/tokens', '/api/admin/users'].map(json));
    for (const apiToken of tokens as { name: string }[]) allow(apiToken.name);
    for (const user of users as { name: string; email: string }[]) [user.name, user.email].forEach(allow);
    // Image file names are the user's data too.
    const samples = await json(`/api/datasets/${made.datasetId}/samples?limit=200`);
    for (const sample of samples.items as { path: string }[]) allow(sample.path);
    for (const d of datasets as { id: string; name: string; classes: string[] }[]) [d.id, d.name, ...d.classes].forEach(allow);
    for (const m of models as { id: string; name: string; arch: string; classes: string[]; origin: { nodeId: string | null } }[]) {
      [m.id, m.name, m.arch, m.origin.nodeId, ...m.classes].forEach(allow);
    }
    for (const r of runs as { id: string; flowchartName: string | null }[]) [r.id, r.flowchartName].forEach(allow);
    for (const f of flowcharts as { id: string; name: string; graph: { nodes: { id: string; label: string }[] } }[]) {
      [f.id, f.name, ...f.graph.nodes.flatMap((n) => [n.id, n.label])].forEach(allow);
    }
    const keys = Object.keys(en);

    const pages: [name: string, url: string][] = [
      ['datasets', '/datasets'],
      ['dataset', `/datasets/${made.datasetId}`],
      ['flowcharts', '/flowcharts'],
      ['editor-new', '/flowcharts/new'],
      ['editor', `/flowcharts/${made.flowchartId}`],
      ['runs', '/runs'],
      ['run', `/runs/${made.runId}`],
      ['stage-detector', `/runs/${made.runId}/stages/stage-1`],
      ['stage-classifier', `/runs/${made.runId}/stages/stage-2`],
      ['models', '/models'],
      ['bundles', '/bundles'],
      ['account', '/account'],
      ['admin', '/admin'],
      // Last: the sign-in page, once signed out.
      ['signin', '/signin'],
    ];
    /** The text a user sees, code blocks and the file picker's own label left out. */
    const visibleText = () =>
      page.evaluate(() => {
        const texts: string[] = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const parent = node.parentElement;
          if (!parent || parent.closest('pre, code, script, style, noscript, .svelte-flow__attribution')) continue;
          const style = getComputedStyle(parent);
          if (style.display === 'none' || style.visibility === 'hidden') continue;
          const text = node.textContent?.trim();
          if (text) texts.push(text);
        }
        for (const element of document.querySelectorAll<HTMLElement>('[title], [placeholder], [aria-label]')) {
          if (element.closest('.svelte-flow__attribution')) continue;
          for (const attribute of ['title', 'placeholder', 'aria-label']) {
            const value = element.getAttribute(attribute)?.trim();
            if (value) texts.push(value);
          }
        }
        return texts;
      });
    const settle = async () => {
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await page.locator('main, form').first().waitFor();
      await page.waitForTimeout(300);
    };

    for (const [name, url] of pages) {
      expect(url, 'the whole-flow test made nothing to look at').not.toMatch(/\/$|\/\//);
      if (name === 'signin') await page.context().clearCookies();
      await page.goto(`${base}${url}`);
      await page.getByTestId('language').selectOption('en');
      await settle();
      const english = await visibleText();
      await page.getByTestId('language').selectOption('zh-CN');
      await settle();
      const chinese = await visibleText();
      await session!.shot(`language-${name}`);

      expect(english.length, url).toBeGreaterThan(0);
      expect(chinese.join(' '), `${url}: the page did not change language`).not.toBe(english.join(' '));
      const rawKeys = chinese.filter((text) => keys.some((key) => text.includes(key)));
      expect(rawKeys, `${url}: raw message keys`).toEqual([]);
      const untranslated = chinese.flatMap((text) =>
        // Single letters are axis names, command flags (-i) and the like, not sentences.
        (text.match(/[A-Za-z][A-Za-z0-9_-]+/g) ?? []).filter((word) => !allowed.has(word.toLowerCase())).map((word) => `${word} (in “${text}”)`),
      );
      expect(untranslated, `${url}: English left on the Chinese page`).toEqual([]);
    }
  }, 300_000);
});
