/**
 * Sharing between two users in a real browser (Debian's Chromium through playwright-core) against
 * the whole platform: the admin's private dataset is invisible to a second user until the admin
 * makes it public on its page; the second user then sees it with the admin's name and without the
 * owner's controls. A flowchart the admin shares as a public template opens read-only for the
 * second user, whose "Copy to my flowcharts" makes an editable copy of their own; the admin deletes
 * a flowchart from the list. A model the admin trains and makes public on the models page shows
 * under "Public models" with its owner, and in the second user's model pickers marked as the
 * admin's. Two browser contexts, one per user, each signed in through the form.
 * Screenshots go to web/test-artifacts/sharing-*.png.
 */
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformApi, type EmbeddedPlatform } from '@aip/infra/testing';
import { readyDataset, signIn, signInAsAdmin } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';
import { webRoot } from './web-build.ts';

const VIEWPORT = { width: 1280, height: 900 };
const USER = { email: 'lin@example.com', name: 'Lin Wei', password: 'plum-harbor-lantern-73' };

/** The shapes example: a detector of round and angular shapes, then one classifier per kind. */
function templateGraph(datasetId: string) {
  return {
    nodes: [
      { id: 'data', type: 'dataset', position: { x: 0, y: 100 }, data: { datasetId } },
      { id: 'detect', type: 'detection', position: { x: 250, y: 100 }, data: { classes: ['round', 'angular'] } },
      { id: 'round-kind', type: 'classification', position: { x: 500, y: 0 }, data: { classes: ['circle', 'ring'], parentClass: 'round' } },
      { id: 'angular-kind', type: 'classification', position: { x: 500, y: 200 }, data: { classes: ['square', 'triangle'], parentClass: 'angular' } },
    ],
    edges: [
      { id: 'e1', source: 'data', target: 'detect' },
      { id: 'e2', source: 'detect', target: 'round-kind' },
      { id: 'e3', source: 'detect', target: 'angular-kind' },
    ],
  };
}

describe('sharing datasets and flowcharts between two users in Chromium (embedded platform on PGlite)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform;
  let admin: PlatformApi;
  /** The admin's browser (the session's page) and the second user's, in a context of its own. */
  let adminPage: Page;
  let userContext: BrowserContext | undefined;
  let userPage: Page;
  let datasetId: string;
  /** The second user's copy of the admin's template. */
  let copyId: string;

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: VIEWPORT });
    ({ platform, page: adminPage } = session);
    admin = new PlatformApi(platform.base, platform.token);
    const created = await admin.call('POST', '/api/admin/users', { ...USER, role: 'user' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    userContext = await adminPage.context().browser()!.newContext({ locale: 'en-US', viewport: VIEWPORT });
    userPage = await userContext.newPage();
    userPage.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await userContext?.close();
    await session?.close();
  });

  const shot = (name: string) => session!.shot(`sharing-${name}`);
  const userShot = (name: string) => userPage.screenshot({ path: path.join(webRoot, 'test-artifacts', `sharing-${name}.png`), fullPage: true });

  it('keeps a private dataset to its owner until the owner makes it public', async () => {
    const { base } = platform;
    datasetId = await readyDataset(platform, { images: 12, seed: 3, name: 'admin shapes' });

    // The second user: the admin's private dataset is in none of their lists, and its page is "not found".
    await signIn(userPage, base, USER.email, USER.password);
    await userPage.goto(`${base}/datasets`);
    await userPage.locator('[data-testid=empty-datasets], [data-testid=dataset-table]').first().waitFor();
    expect(await userPage.locator(`tr[data-dataset="${datasetId}"]`).count()).toBe(0);
    await userPage.getByTestId('datasets-scope-public').click();
    await userPage.getByTestId('datasets-none').waitFor();
    expect(new URL(userPage.url()).search).toBe('?scope=public');
    await userPage.goto(`${base}/datasets/${datasetId}`);
    await userPage.getByRole('alert').waitFor();
    expect(await userPage.getByRole('alert').textContent()).toContain('does not exist, or it is not yours');
    await userShot('01-user-private-dataset-hidden');

    // The admin: their dataset is private, with the switch and its explanation, and a rename.
    await signInAsAdmin(adminPage, platform);
    await adminPage.goto(`${base}/datasets`);
    const row = adminPage.locator(`tr[data-dataset="${datasetId}"]`);
    await row.waitFor();
    expect(await row.locator('[data-visibility]').getAttribute('data-visibility')).toBe('private');
    expect(await row.getByTestId('dataset-owner').textContent()).toBe('You');
    await row.locator('a').click();
    const sharing = adminPage.getByTestId('dataset-sharing');
    await sharing.waitFor();
    const toggle = sharing.getByTestId('visibility-switch');
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    expect(await sharing.getByTestId('visibility-help').textContent()).toContain('only you can see and use this dataset');
    await shot('02-admin-dataset-private');

    await adminPage.getByTestId('rename').click();
    await adminPage.getByTestId('rename-input').fill('shared shapes');
    await adminPage.getByTestId('rename-input').press('Enter');
    await expect.poll(() => adminPage.getByTestId('dataset-name').textContent()).toBe('shared shapes');

    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
    expect(await sharing.getByTestId('visibility-help').textContent()).toContain('every user can see this dataset');
    // Saved on the server, not just on the page.
    const saved = await admin.call('GET', `/api/datasets/${datasetId}`);
    expect(saved.body).toMatchObject({ name: 'shared shapes', visibility: 'public', owned: true, owner: { name: 'admin' } });
    await shot('03-admin-dataset-public');
  });

  it('shows a public dataset to everyone, with its owner and without the owner’s controls', async () => {
    const { base } = platform;
    await userPage.goto(`${base}/datasets?scope=public`);
    const row = userPage.locator(`tr[data-dataset="${datasetId}"]`);
    await row.waitFor();
    expect(await row.locator('a').textContent()).toBe('shared shapes');
    expect(await row.getByTestId('dataset-owner').textContent()).toBe('admin');
    expect(await row.locator('[data-visibility]').textContent()).toBe('Public');
    await userPage.getByTestId('datasets-scope-mine').click();
    await userPage.getByTestId('datasets-none').waitFor();
    await userPage.getByTestId('datasets-scope-all').click();
    await row.waitFor();
    await userShot('04-user-datasets');

    await row.locator('a').click();
    await userPage.getByTestId('dataset-stats').waitFor();
    expect(await userPage.getByTestId('dataset-owner').textContent()).toContain('Shared by admin');
    expect(await userPage.locator('button.danger').count()).toBe(0);
    expect(await userPage.getByTestId('rename').count()).toBe(0);
    expect(await userPage.getByTestId('visibility-switch').count()).toBe(0);
    await userShot('05-user-public-dataset');
  });

  it('opens a public template read-only for others; “Copy” makes an editable flowchart of their own', async () => {
    const { base } = platform;
    const template = await admin.call('POST', '/api/flowcharts', { name: 'shapes template', graph: templateGraph(datasetId) });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    expect(template.body.problems).toEqual([]);
    const templateId = template.body.id as string;
    const scratch = await admin.call('POST', '/api/flowcharts', { name: 'scratch', graph: { nodes: [], edges: [] } });
    expect(scratch.status).toBe(201);

    // The admin shares the template from the list, and deletes the scratch flowchart (after confirming).
    await adminPage.goto(`${base}/flowcharts`);
    const row = adminPage.locator(`tr[data-flowchart="${templateId}"]`);
    await row.waitFor();
    const toggle = row.getByTestId('visibility-switch');
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
    expect((await admin.call('GET', `/api/flowcharts/${templateId}`)).body.visibility).toBe('public');
    adminPage.once('dialog', (dialog) => {
      expect(dialog.message()).toContain('Delete the flowchart “scratch”');
      void dialog.accept();
    });
    await adminPage.locator(`tr[data-flowchart="${scratch.body.id}"]`).getByTestId('delete-flowchart').click();
    await adminPage.locator(`tr[data-flowchart="${scratch.body.id}"]`).waitFor({ state: 'detached' });
    expect((await admin.call('GET', `/api/flowcharts/${scratch.body.id}`)).status).toBe(404);
    await shot('06-admin-flowcharts');

    // The second user: nothing of theirs yet; the template is under "Public templates", by admin.
    await userPage.goto(`${base}/flowcharts`);
    await userPage.getByTestId('empty-flowcharts').waitFor();
    await userPage.getByTestId('flowcharts-tab-public').click();
    const templateRow = userPage.locator(`[data-testid=template-table] tr[data-flowchart="${templateId}"]`);
    await templateRow.waitFor();
    expect(await templateRow.getByTestId('template-owner').textContent()).toBe('admin');
    expect(await userPage.locator('[data-testid=template-table] tbody tr').count()).toBe(1);
    await userShot('07-user-templates');

    // Read-only: the banner names the owner; no save, no run, nothing to add or change.
    await templateRow.locator('td a').first().click();
    const banner = userPage.getByTestId('template-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Template by admin');
    await userPage.getByTestId('node-detect').waitFor();
    expect(await userPage.getByTestId('save').count()).toBe(0);
    expect(await userPage.getByTestId('run').count()).toBe(0);
    expect(await userPage.getByTestId('flowchart-name').getAttribute('readonly')).not.toBeNull();
    expect(await userPage.getByTestId('palette-detection').isDisabled()).toBe(true);
    await userPage.getByTestId('node-detect').click();
    await userPage.getByTestId('node-panel').waitFor();
    expect(await userPage.getByTestId('panel-settings').getAttribute('disabled')).not.toBeNull();
    expect(await userPage.getByTestId('panel-label').isDisabled()).toBe(true);
    expect(await userPage.locator('[data-testid=node-panel] button.danger').count()).toBe(0);
    expect(await userPage.getByTestId('panel-new-class').count()).toBe(0);
    // The public dataset it names is usable by this user too: no problems.
    expect(await userPage.getByTestId('problem-list').textContent()).toContain('No problems');
    await userShot('08-user-template-read-only');
    const templateUrl = userPage.url();

    // The server refuses changes and runs of someone else's template whatever a page would send
    // (the user's own session cookie and CSRF token).
    const me = (await (await userPage.request.get(`${base}/api/me`)).json()) as { csrfToken: string | null };
    expect(me.csrfToken).toBeTruthy();
    const headers = { 'x-csrf-token': me.csrfToken!, origin: base };
    const put = await userPage.request.put(`${base}/api/flowcharts/${templateId}`, { headers, data: { graph: templateGraph(datasetId) } });
    expect(put.status()).toBe(403);
    expect((await userPage.request.post(`${base}/api/flowcharts/${templateId}/runs`, { headers })).status()).toBe(403);
    expect((await userPage.request.patch(`${base}/api/flowcharts/${templateId}`, { headers, data: { visibility: 'private' } })).status()).toBe(403);

    // Copy: a new flowchart of the user's own, opened in the editor, editable and savable.
    await userPage.getByTestId('copy-template').click();
    await userPage.waitForURL((url) => /\/flowcharts\/[^/]+$/.test(url.pathname) && url.href !== templateUrl);
    await userPage.getByTestId('save').waitFor();
    expect(await userPage.getByTestId('template-banner').count()).toBe(0);
    expect(await userPage.getByTestId('flowchart-name').inputValue()).toBe('shapes template (copy)');
    await userPage.getByTestId('node-round-kind').waitFor();
    expect(await userPage.getByTestId('run').isDisabled()).toBe(false);
    await userPage.getByTestId('flowchart-name').fill('my shapes');
    await userPage.getByTestId('save').click();
    await expect.poll(() => userPage.getByTestId('editor-message').textContent()).toContain('Saved (revision 2)');
    await userShot('09-user-copy');
    copyId = new URL(userPage.url()).pathname.split('/').pop()!;

    // The copy is the user's (private), the template unchanged and still the admin's.
    await userPage.goto(`${base}/flowcharts`);
    const copyRow = userPage.locator(`[data-testid=flowchart-table] tr[data-flowchart="${copyId}"]`);
    await copyRow.waitFor();
    expect(await copyRow.getByTestId('visibility-switch').getAttribute('aria-checked')).toBe('false');
    expect(await userPage.locator('[data-testid=flowchart-table] tbody tr').count()).toBe(1);
    await userShot('10-user-flowcharts');
    const original = await admin.call('GET', `/api/flowcharts/${templateId}`);
    expect(original.body).toMatchObject({ name: 'shapes template', revision: 1, owned: true });
    expect((await admin.call('GET', `/api/flowcharts/${copyId}`)).status).toBe(404);

    // Its owner's editor is not read-only: the template is theirs.
    await adminPage.goto(`${base}/flowcharts/${templateId}`);
    await adminPage.getByTestId('save').waitFor();
    expect(await adminPage.getByTestId('template-banner').count()).toBe(0);
  }, 240_000);

  it('shows a model its owner made public to everyone, with its owner, and in their model pickers', async () => {
    const { base } = platform;
    // The admin trains a detector (one short epoch) in a flowchart of their own.
    const runId = await admin.startRun('train a detector', {
      nodes: [
        { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
        { id: 'detect', type: 'detection', position: { x: 250, y: 0 }, data: { classes: ['circle', 'ring', 'square', 'triangle'], epochs: 1 } },
      ],
      edges: [{ id: 'e1', source: 'data', target: 'detect' }],
    });
    const run = await admin.waitForRun(runId, 600_000);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const modelId = run.stages.find((stage: { nodeId: string }) => stage.nodeId === 'detect').modelId as string;
    expect(modelId).toBeTruthy();

    // Not yet public: the second user sees no model.
    await userPage.goto(`${base}/models`);
    await userPage.getByTestId('empty-models').waitFor();

    // The admin's models page: their model, private, with the run that trained it; made public there.
    await adminPage.goto(`${base}/models`);
    const adminRow = adminPage.locator(`tr[data-model="${modelId}"]`);
    await adminRow.waitFor();
    expect(await adminRow.getByTestId('model-origin').locator('a').getAttribute('href')).toBe(`/runs/${runId}`);
    const toggle = adminRow.getByTestId('visibility-switch');
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
    await adminRow.getByTestId('rename').click();
    await adminRow.getByTestId('rename-input').fill('shapes detector');
    await adminRow.getByTestId('rename-save').click();
    await expect.poll(() => adminRow.getByTestId('model-name').textContent()).toBe('shapes detector');
    expect((await admin.call('GET', `/api/models/${modelId}`)).body).toMatchObject({ name: 'shapes detector', visibility: 'public' });
    await shot('11-admin-models');

    // The second user: under "Public models", the admin's name, its metrics, and who trained it (not their run).
    await userPage.goto(`${base}/models`);
    await userPage.getByTestId('models-tab-public').click();
    expect(new URL(userPage.url()).search).toBe('?scope=public');
    await userPage.getByTestId('models-public-help').waitFor();
    const userRow = userPage.locator(`tr[data-model="${modelId}"]`);
    await userRow.waitFor();
    expect(await userRow.getByTestId('model-name').textContent()).toBe('shapes detector');
    expect(await userRow.getByTestId('model-owner').textContent()).toBe('admin');
    expect(await userRow.getByTestId('model-origin').textContent()).toBe('Trained by admin');
    expect(await userRow.getByTestId('model-origin').locator('a').count()).toBe(0);
    expect(await userRow.locator('[data-metric=mAP50]').count()).toBe(1);
    expect(await userRow.getByTestId('visibility-switch').count()).toBe(0);
    expect(await userRow.getByTestId('rename').count()).toBe(0);
    await userShot('12-user-public-models');

    // Their own flowchart's pickers offer the admin's model, marked with its owner.
    await userPage.goto(`${base}/flowcharts/${copyId}`);
    await userPage.getByTestId('node-detect').click();
    const initial = userPage.getByTestId('panel-init-model').locator(`option[value="${modelId}"]`);
    expect(await initial.textContent()).toContain('shapes detector');
    expect(await initial.textContent()).toContain('Public, by admin');
    await userPage.getByTestId('panel-mode-reuse').check();
    const choice = userPage.getByTestId(`panel-model-${modelId}`);
    await choice.waitFor();
    expect(await choice.getByTestId('model-tag').textContent()).toBe('Public, by admin');
    await userShot('13-user-reuse-public-model');
  }, 720_000);
});
