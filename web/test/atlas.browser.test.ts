/**
 * The model atlas in a real browser (Debian's Chromium through playwright-core) against the whole
 * platform: three small classifiers uploaded as PyTorch weights — a `tiny_cnn`, the same network
 * slightly perturbed, and one of another seed — checked until ready and measured by the atlas
 * workflow until placed; then the map (three models, their links, a tooltip on hover, a click and
 * Enter open the model's page), the list (rows with their nearest models, sorting), the model page's
 * nearest models, "start a flowchart from this model" (a stage training from the model's weights),
 * a fourth model appearing by itself once measured (the page says it is being measured meanwhile)
 * and the page in Chinese. Screenshots go to web/test-artifacts/atlas-*.png.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '@aip/infra/testing';
import { signInAsAdmin } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';

const CLASSES = ['circle', 'square', 'triangle'];
const SIDE = 32;

interface AtlasAnswer {
  updating: boolean;
  nodes: { model: { id: string; name: string }; placement: string; reason: string | null; neighbours: { id: string; distance: number }[] }[];
  links: { source: string; target: string; distance: number }[];
}

/**
 * Writes three `tiny_cnn` state_dicts: `base` (seed 0), `twin` (base plus 1% noise: nearly the same
 * network) and `other` (seed 1).
 */
async function writeWeights(dir: string): Promise<{ base: string; twin: string; other: string }> {
  const python = process.env.AIP_PYTHON;
  expect(python, 'AIP_PYTHON is not set: run this test through `npm test`').toBeTruthy();
  const files = { base: path.join(dir, 'atlas-base.pt'), twin: path.join(dir, 'atlas-twin.pt'), other: path.join(dir, 'atlas-other.pt') };
  const snippet = [
    'import sys, torch',
    'from aip_trainer.models import build_network',
    `def net(seed):\n    torch.manual_seed(seed)\n    return build_network("tiny_cnn", ${CLASSES.length}, (${SIDE}, ${SIDE}))`,
    'base = net(0).state_dict()',
    'torch.save(base, sys.argv[1])',
    'torch.manual_seed(7)',
    'twin = {k: (v + 0.01 * v.std() * torch.randn_like(v)) if v.is_floating_point() and v.numel() > 1 else v.clone() for k, v in base.items()}',
    'torch.save(twin, sys.argv[2])',
    'torch.save(net(1).state_dict(), sys.argv[3])',
  ].join('\n');
  await promisify(execFile)(python!, ['-c', snippet, files.base, files.twin, files.other], { timeout: 120_000 });
  return files;
}

describe('model atlas in Chromium (Temporal dev server, embedded platform on PGlite, trainer subprocess)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform;
  let page: Page;
  const pageErrors: string[] = [];
  const ids = { base: '', twin: '', other: '' };
  const names = { base: 'atlas base', twin: 'atlas twin', other: 'atlas other' };

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: { width: 1280, height: 1000 } });
    ({ platform, page } = session);
    page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
    await signInAsAdmin(page, platform);
  });

  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => session!.shot(`atlas-${name}`);
  const auth = () => ({ authorization: `Bearer ${platform.token}` });
  const getJson = async <T>(url: string): Promise<T> => {
    const response = await fetch(`${platform.base}${url}`, { headers: auth() });
    expect(response.status, `${url}: ${await response.clone().text()}`).toBe(200);
    return (await response.json()) as T;
  };
  /** The platform's log without the static files' requests, for a failure message. */
  const log = () =>
    platform
      .output()
      .split('\n')
      .filter((line) => !line.includes('/_app/') && !line.includes('"msg":"request completed"'))
      .join('\n')
      .slice(-6000);

  async function upload(file: string, name: string): Promise<string> {
    const form = new FormData();
    form.set('name', name);
    form.set('format', 'weights');
    form.set('task', 'classification');
    form.set('arch', 'tiny_cnn');
    form.set('classes', JSON.stringify(CLASSES));
    form.set('inputHeight', String(SIDE));
    form.set('inputWidth', String(SIDE));
    form.set('colorSpace', 'RGB');
    form.set('valueRange', '0-255');
    form.set('visibility', 'private');
    form.set('file', new Blob([await readFile(file)]), path.basename(file));
    const created = await fetch(`${platform.base}/api/models`, { method: 'POST', headers: auth(), body: form });
    expect(created.status, await created.clone().text()).toBe(202);
    return ((await created.json()) as { model: { id: string } }).model.id;
  }

  it('uploads three classifiers and waits until the atlas has placed them', async () => {
    const files = await writeWeights(platform.home);
    ids.base = await upload(files.base, names.base);
    ids.twin = await upload(files.twin, names.twin);
    ids.other = await upload(files.other, names.other);

    for (const id of Object.values(ids)) {
      const status = () => getJson<{ status: string }>(`/api/models/${id}`).then((model) => model.status);
      await expect.poll(status, { timeout: 180_000, interval: 1000 }).not.toBe('validating');
      expect(await status(), log()).toBe('ready');
    }

    // The workflow measures each new model (its attribution signature) and places it.
    let atlas: AtlasAnswer | null = null;
    const settled = await expect
      .poll(
        async () => {
          atlas = await getJson<AtlasAnswer>('/api/atlas?scope=all&metric=attribution');
          return atlas.nodes.length === 3 && !atlas.updating && atlas.nodes.every((node) => node.placement !== 'pending');
        },
        { timeout: 300_000, interval: 2000 },
      )
      .toBe(true)
      .then(
        () => true,
        () => false,
      );
    expect(settled, `${JSON.stringify(atlas, null, 1)}\n${log()}`).toBe(true);
    const answer = atlas as unknown as AtlasAnswer;
    expect(answer.nodes.map((node) => [node.model.name, node.placement, node.reason])).toEqual(
      expect.arrayContaining(Object.values(names).map((name) => [name, 'placed', null])),
    );
    // The perturbed copy is the base model's nearest neighbour (and the other way round).
    const node = (id: string) => answer.nodes.find((n) => n.model.id === id)!;
    expect(node(ids.base).neighbours[0]?.id).toBe(ids.twin);
    expect(node(ids.twin).neighbours[0]?.id).toBe(ids.base);
    expect(answer.links.length).toBeGreaterThanOrEqual(2);
  }, 600_000);

  it('draws the map: three models and their links, a card on hover, the model page on click or Enter', async () => {
    await page.goto(`${platform.base}/atlas`);
    const nodes = page.getByTestId('atlas-node');
    await expect.poll(() => nodes.count(), { timeout: 10_000 }).toBe(3);
    expect(await page.getByTestId('atlas-link').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('atlas-unplaced').count()).toBe(0);
    expect(await page.getByTestId('atlas-updating').count()).toBe(0);
    // Every model is labelled for screen readers, with its nearest model.
    expect(await page.locator(`[data-testid=atlas-node][data-model="${ids.base}"]`).getAttribute('aria-label')).toContain(`Nearest: ${names.twin}`);
    await shot('graph');

    const base = page.locator(`[data-testid=atlas-node][data-model="${ids.base}"] circle`);
    await base.hover();
    const tooltip = page.getByTestId('atlas-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toContain(names.base);
    expect(await tooltip.getByTestId('atlas-card-nearest').textContent()).toContain(names.twin);
    // The side panel keeps the model with what one can do with it.
    const side = page.getByTestId('atlas-side');
    expect(await side.getByTestId('atlas-start-flowchart').getAttribute('href')).toBe(`/flowcharts/new?initModel=${encodeURIComponent(ids.base)}`);
    expect(await side.getByTestId('atlas-use-teacher').getAttribute('href')).toBe(`/refinery/new?teacher=${encodeURIComponent(ids.base)}`);
    await shot('tooltip');

    // Dragging a model moves it, and does not open its page.
    const before = await base.boundingBox();
    await page.mouse.move(before!.x + before!.width / 2, before!.y + before!.height / 2);
    await page.mouse.down();
    await page.mouse.move(before!.x + 80, before!.y + 60, { steps: 8 });
    await page.mouse.up();
    const after = await base.boundingBox();
    expect(Math.hypot(after!.x - before!.x, after!.y - before!.y)).toBeGreaterThan(10);
    expect(new URL(page.url()).pathname).toBe('/atlas');

    await base.click();
    await page.waitForURL((url) => url.pathname === `/models/${ids.base}`);
    await page.getByTestId('model-detail-name').waitFor();

    // From the keyboard: the models are focusable and Enter opens one.
    await page.goBack();
    const other = page.locator(`[data-testid=atlas-node][data-model="${ids.other}"]`);
    await other.focus();
    await page.getByTestId('atlas-tooltip').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === `/models/${ids.other}`);
  }, 120_000);

  it('lists the models with their nearest models, sorted, and keeps the view in the URL', async () => {
    await page.goto(`${platform.base}/atlas`);
    await page.getByTestId('atlas-view-list').click();
    await page.waitForURL((url) => url.searchParams.get('view') === 'list');
    const rows = page.getByTestId('atlas-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3);
    expect(await rows.getByTestId('atlas-row-name').allTextContents()).toEqual([names.base, names.other, names.twin]);
    for (const row of await rows.all()) expect(await row.locator('[data-testid=atlas-row-nearest] li').count()).toBe(2);
    const baseRow = page.locator(`[data-testid=atlas-row][data-model="${ids.base}"]`);
    expect(await baseRow.locator('[data-testid=atlas-row-nearest] li').first().textContent()).toContain(names.twin);

    // Closest first: the twins lead, the third model (farther from both) comes last.
    await page.getByTestId('atlas-sort-nearest').click();
    expect((await rows.getByTestId('atlas-row-name').allTextContents())[2]).toBe(names.other);
    await shot('list');

    // The other distance (attribution graphs) is measured for the same pairs: the twins stay nearest.
    await page.getByTestId('atlas-metric-depara').click();
    await page.waitForURL((url) => url.searchParams.get('metric') === 'depara');
    await expect.poll(() => baseRow.locator('[data-testid=atlas-row-nearest] li').first().textContent()).toContain(names.twin);
    expect(await page.getByTestId('atlas-metric-depara').getAttribute('aria-pressed')).toBe('true');

    // A reload keeps the list view and the distance.
    await page.reload();
    await expect.poll(() => page.getByTestId('atlas-row').count(), { timeout: 10_000 }).toBe(3);
    expect(await page.getByTestId('atlas-view-list').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('atlas-metric-depara').getAttribute('aria-pressed')).toBe('true');
  }, 120_000);

  it('shows the nearest models on a model’s page', async () => {
    await page.goto(`${platform.base}/models/${encodeURIComponent(ids.twin)}`);
    const list = page.getByTestId('model-nearest-list');
    await list.waitFor();
    const items = list.locator('li');
    expect(await items.count()).toBe(2);
    expect(await items.first().getAttribute('data-model')).toBe(ids.base);
    expect(await items.first().textContent()).toMatch(/atlas base.*\d\.\d\d/s);
    expect(await page.getByTestId('model-nearest-atlas').getAttribute('href')).toBe('/atlas');
    await page.getByTestId('model-nearest').scrollIntoViewIfNeeded();
    await shot('model');
  }, 60_000);

  it('starts a flowchart whose stage trains from the chosen model', async () => {
    await page.goto(`${platform.base}/atlas?view=list`);
    const row = page.locator(`[data-testid=atlas-row][data-model="${ids.other}"]`);
    await row.waitFor();
    await row.getByTestId('atlas-start-flowchart').click();
    await page.waitForURL((url) => url.pathname === '/flowcharts/new' && url.searchParams.get('initModel') === ids.other);
    const stage = page.getByTestId('node-stage-1');
    await stage.waitFor();
    await stage.click();
    await page.getByTestId('node-panel').waitFor();
    expect(await page.getByTestId('panel-init-model').inputValue()).toBe(ids.other);
    expect(await page.getByTestId('node-panel').textContent()).toContain('circle');
    await shot('flowchart');
  }, 60_000);

  it('says when a new model is being measured and adds it without a reload', async () => {
    const extra = path.join(platform.home, 'atlas-extra.pt');
    await promisify(execFile)(process.env.AIP_PYTHON!, ['-c', `import sys, torch\nfrom aip_trainer.models import build_network\ntorch.manual_seed(2)\ntorch.save(build_network("tiny_cnn", ${CLASSES.length}, (${SIDE}, ${SIDE})).state_dict(), sys.argv[1])`, extra], {
      timeout: 120_000,
    });
    const id = await upload(extra, 'atlas late');
    const status = () => getJson<{ status: string }>(`/api/models/${id}`).then((model) => model.status);
    await expect.poll(status, { timeout: 180_000, interval: 500 }).toBe('ready');
    await page.goto(`${platform.base}/atlas`);
    const nodes = page.getByTestId('atlas-node');
    await expect.poll(() => nodes.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    // The model is usually still being measured now (a race the workflow may win on a fast machine).
    const view = () => page.locator('[data-testid=atlas-svg] > g').first().getAttribute('transform');
    let zoomed: string | null = null;
    if ((await nodes.count()) === 3) {
      expect(await page.getByTestId('atlas-updating').count()).toBe(1);
      expect(await page.locator(`[data-testid=atlas-unplaced] li[data-model="${id}"]`).getAttribute('data-placement')).toBe('pending');
      await shot('updating');
      // The user zooms in meanwhile: the model's arrival must not throw their view away.
      const before = await view();
      const box = (await page.getByTestId('atlas-svg').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -300);
      await expect.poll(view, { timeout: 5_000 }).not.toBe(before);
      zoomed = await view();
    } else {
      console.warn('the atlas placed the new model before the page asked: its "being measured" state was not seen');
    }
    await expect.poll(() => nodes.count(), { timeout: 240_000, interval: 1000 }).toBe(4);
    if (zoomed) expect(await view()).toBe(zoomed);
    await expect.poll(() => page.getByTestId('atlas-updating').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('atlas-unplaced').count()).toBe(0);
  }, 600_000);

  it('reads in Chinese', async () => {
    await page.evaluate(() => localStorage.setItem('aip.locale', 'zh-CN'));
    await page.goto(`${platform.base}/atlas`);
    await expect.poll(() => page.getByTestId('atlas-node').count(), { timeout: 10_000 }).toBe(4);
    expect(await page.locator('h1').textContent()).toBe('模型图谱');
    expect(await page.getByTestId('atlas-metric-depara').textContent()).toBe('归因关系图');
    await shot('zh');
    await page.evaluate(() => localStorage.setItem('aip.locale', 'en'));
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
