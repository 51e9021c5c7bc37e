/**
 * The model refinery in a real browser (Debian's Chromium through playwright-core) against the
 * whole platform: a model uploaded through the models page (PyTorch weights of a small registry
 * classifier, written by a short Python snippet), checked by the trainer until ready; a refinery
 * task created through the form — the catalogue's problems shown beside the fields first, then a
 * one-epoch distillation onto a dataset of unlabeled images — and followed on its task page until it
 * succeeds, with its curves, figures and log; the new model's page lists the teacher as its parent.
 * Screenshots go to web/test-artifacts/refinery-*.png.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawShapeImages, type EmbeddedPlatform } from '@aip/infra/testing';
import { signInAsAdmin, uploadReady, writeUnlabeledZip } from './browser-actions.ts';
import { openBrowserSession, type BrowserSession } from './browser-session.ts';

const CLASSES = ['circle', 'square', 'triangle'];
/** The uploaded teacher's (and so the student's) input side; small, so the task trains in seconds. */
const SIDE = 32;

/** Writes the state_dict of a randomly initialized registry `tiny_cnn` (what a user would upload). */
async function writeTinyCnnWeights(file: string): Promise<void> {
  const python = process.env.AIP_PYTHON;
  expect(python, 'AIP_PYTHON is not set: run this test through `npm test`').toBeTruthy();
  const snippet = [
    'import sys, torch',
    'from aip_trainer.models import build_network',
    'torch.manual_seed(0)',
    `net = build_network("tiny_cnn", ${CLASSES.length}, (${SIDE}, ${SIDE}))`,
    'torch.save(net.state_dict(), sys.argv[1])',
  ].join('\n');
  await promisify(execFile)(python!, ['-c', snippet, file], { timeout: 120_000 });
}

describe('model refinery in Chromium (Temporal dev server, embedded platform on PGlite, trainer subprocess)', () => {
  let session: BrowserSession | undefined;
  let platform: EmbeddedPlatform;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({ locale: 'en-US', viewport: { width: 1280, height: 1000 } });
    ({ platform, page } = session);
    page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
    page.on('console', (message) => consoleLines.push(`console ${message.type()}: ${message.text()}`));
    await signInAsAdmin(page, platform);
  });

  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => session!.shot(`refinery-${name}`);
  const auth = () => ({ authorization: `Bearer ${platform.token}` });
  /** What the platform knows, for a failure message: the models (status, report) and the end of its log. */
  const diagnosis = async () => {
    const listed = JSON.stringify(await (await fetch(`${platform.base}/api/models`, { headers: auth() })).json(), null, 1).slice(0, 3000);
    // The platform's log without the static files' requests: API calls, errors, workflow and trainer lines.
    const log = platform
      .output()
      .split('\n')
      .filter((line) => !line.includes('/_app/') && !line.includes('"msg":"request completed"'))
      .join('\n');
    const notice = page.locator('[data-testid=model-upload] [role=alert]');
    const failure = (await notice.count()) > 0 ? await notice.allTextContents() : '';
    return `${failure}\n${listed}\n${log.slice(-6000)}\n${consoleLines.join('\n')}`;
  };
  let teacherId = '';
  let datasetId = '';

  it('uploads PyTorch weights through the models page and shows them ready once checked', async () => {
    const weights = path.join(platform.home, 'shapes-tiny-cnn.pt');
    await writeTinyCnnWeights(weights);

    await page.goto(`${platform.base}/models`);
    await page.getByTestId('models-upload-toggle').click();
    const form = page.getByTestId('model-upload');
    await form.waitFor();
    // Sending an empty form names what is missing, beside each field, without uploading anything.
    await page.getByTestId('upload-submit').click();
    await expect.poll(() => form.locator('.problem').allTextContents()).toContain('Give the model a name.');
    expect(await form.locator('.problem').allTextContents()).toContain('Choose the model file.');

    await page.getByTestId('upload-format-weights').check();
    await page.getByTestId('upload-name').fill('shapes teacher');
    await page.getByTestId('upload-task').selectOption('classification');
    await page.getByTestId('upload-arch').selectOption('tiny_cnn');
    await page.getByTestId('upload-classes').fill(CLASSES.join('\n'));
    await page.getByTestId('upload-height').fill(String(SIDE));
    await page.getByTestId('upload-width').fill(String(SIDE));
    await page.getByTestId('upload-range').selectOption('0-255');
    await form.getByRole('button', { name: 'No normalization' }).click();
    await page.getByTestId('upload-file').setInputFiles(weights);
    await shot('upload-form');
    await page.getByTestId('upload-submit').click();

    const result = page.getByTestId('model-upload-result');
    const settled = await result.waitFor({ timeout: 150_000 }).then(
      () => true,
      () => false,
    );
    await shot('upload-ready');
    expect(settled, await diagnosis()).toBe(true);
    expect(await result.locator('[data-status]').getAttribute('data-status'), (await result.textContent()) ?? '').toBe('ready');
    const href = await result.locator('a').getAttribute('href');
    teacherId = decodeURIComponent(href!.replace('/models/', ''));

    // The list shows it with its status and format; its page, the input it expects.
    const row = page.locator(`tr[data-model="${teacherId}"]`);
    await expect.poll(() => row.getByTestId('model-status').textContent()).toMatch(/Ready.*PyTorch weights/);
    await row.getByTestId('model-name').click();
    await page.getByTestId('model-detail-name').waitFor();
    expect(await page.getByTestId('model-input').textContent()).toContain(`${SIDE} × ${SIDE} · RGB · 0–255`);

    // The same weights declared with a fourth class: the check runs the model and refuses it, saying why.
    await page.goto(`${platform.base}/models`);
    await page.getByTestId('models-upload-toggle').click();
    await page.getByTestId('upload-name').fill('four shapes');
    await page.getByTestId('upload-arch').selectOption('tiny_cnn');
    await page.getByTestId('upload-classes').fill([...CLASSES, 'star'].join('\n'));
    await page.getByTestId('upload-height').fill(String(SIDE));
    await page.getByTestId('upload-width').fill(String(SIDE));
    await page.getByTestId('upload-file').setInputFiles(weights);
    await page.getByTestId('upload-submit').click();
    const refused = page.getByTestId('model-upload-result');
    await refused.waitFor({ timeout: 150_000 });
    expect(await refused.locator('[data-status]').getAttribute('data-status')).toBe('invalid');
    expect(await page.getByTestId('model-upload-report').textContent()).toMatch(/\S/);
    await shot('upload-invalid');
  }, 300_000);

  it('refuses a task the catalogue refuses, beside the field, and starts a distillation', async () => {
    const zip = path.join(platform.home, 'shapes-unlabeled.zip');
    await writeUnlabeledZip(await drawShapeImages(24, 9), zip);
    datasetId = await uploadReady(platform, zip, 'shapes images', 'refinery');

    await page.goto(`${platform.base}/refinery`);
    await page.getByTestId('empty-refinery').waitFor();
    await page.getByTestId('refinery-new').click();
    await page.getByTestId('refinery-form').waitFor();

    // Amalgamation takes two to eight teachers: one is not enough, and the form says so under the teachers.
    await page.getByTestId('algorithm-amalgamate').click();
    await page.locator(`[data-testid=teacher-picker] li[data-model="${teacherId}"] input`).check();
    await page.getByTestId('refinery-dataset').selectOption(datasetId);
    await page.getByTestId('refinery-submit').click();
    await expect.poll(() => page.getByTestId('problems-teacherIds').textContent()).toContain('needs 2 to 8 teacher models; 1 was chosen');
    await shot('form-problems');

    // Distillation of the same teacher, one epoch, into the default student.
    await page.getByTestId('algorithm-distill').click();
    await page.locator(`[data-testid=teacher-picker] li[data-model="${teacherId}"] input`).check();
    await page.getByTestId('param-epochs').fill('1');
    await page.getByTestId('param-batchSize').fill('8');
    // A value out of range is refused live, under its field.
    await page.getByTestId('param-temperature').fill('50');
    await expect.poll(() => page.getByTestId('problems-params.temperature').textContent()).toContain('between 1 and 20');
    await page.getByTestId('param-temperature').fill('');
    await page.getByTestId('refinery-name').fill('shapes student');
    await expect.poll(() => page.getByTestId('problems-teacherIds').count()).toBe(0);
    await shot('form');
    await page.getByTestId('refinery-submit').click();
    await page.waitForURL(/\/refinery\/[^/]+$/);
    await page.getByTestId('refinery-task-name').waitFor();
    expect(await page.getByTestId('refinery-task-name').textContent()).toBe('shapes student');
  }, 240_000);

  it('follows the task on its page until the new model is registered, with its curves, figures, log and lineage', async () => {
    const state = () => page.getByTestId('refinery-state').getAttribute('data-state');
    const finished = await expect
      .poll(state, { timeout: 300_000, interval: 1000 })
      .toMatch(/succeeded|failed|cancelled/)
      .then(
        () => true,
        () => false,
      );
    await shot('task');
    const failureText = (await page.getByTestId('refinery-failure').count()) > 0 ? await page.getByTestId('refinery-failure').textContent() : '';
    expect(finished ? await state() : 'still running', `${failureText ?? ''}\n${platform.output().slice(-4000)}`).toBe('succeeded');

    expect(await page.getByTestId('refinery-teachers').textContent()).toContain('shapes teacher');
    await page.getByTestId('training-curves').waitFor();
    await page.getByTestId('refinery-metrics').waitFor();
    expect(await page.locator('[data-testid=refinery-metrics] [data-metric=agreement]').count()).toBe(1);
    await expect.poll(() => page.getByTestId('stage-log').textContent()).not.toBe('');
    expect(await page.getByTestId('stage-timeline').locator('li').count()).toBeGreaterThan(2);

    // The list shows it finished, with a link to the new model; the model's page names its teacher.
    await page.goto(`${platform.base}/refinery`);
    const row = page.locator('[data-testid=refinery-table] tr[data-state=succeeded]');
    await row.waitFor();
    await row.getByTestId('refinery-output').click();
    await page.getByTestId('model-detail-name').waitFor();
    expect(await page.getByTestId('model-detail-name').textContent()).toBe('shapes student');
    const parents = page.getByTestId('model-parents');
    await parents.waitFor();
    expect(await parents.textContent()).toMatch(/shapes teacher\s*teacher/);
    expect(await page.getByTestId('model-detail-origin').textContent()).toContain('Refinery task');
    await shot('model');
  }, 420_000);

  it('cancels a running task and retries it (a new attempt), from a link that preselects the algorithm and teacher', async () => {
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${platform.base}/refinery/new?algorithm=distill&teacher=${encodeURIComponent(teacherId)}`);
    await page.getByTestId('refinery-form').waitFor();
    expect(await page.getByTestId('algorithm-distill').getAttribute('aria-checked')).toBe('true');
    expect(await page.locator(`[data-testid=teacher-picker] li[data-model="${teacherId}"]`).getAttribute('data-chosen')).toBe('true');
    await page.getByTestId('refinery-dataset').selectOption(datasetId);
    await page.getByTestId('param-epochs').fill('500');
    await page.getByTestId('refinery-name').fill('long student');
    await page.getByTestId('refinery-submit').click();
    await page.waitForURL(/\/refinery\/[^/]+$/);

    const state = () => page.getByTestId('refinery-state').getAttribute('data-state');
    await expect.poll(state, { timeout: 120_000 }).toBe('running');
    await page.getByTestId('refinery-cancel').click();
    await expect.poll(state, { timeout: 120_000 }).toBe('cancelled');
    await shot('cancelled');

    await page.getByTestId('refinery-retry').click();
    await expect.poll(state, { timeout: 60_000 }).toMatch(/queued|running/);
    await expect.poll(() => page.locator('.meta').textContent()).toContain('attempt 2');
    await page.getByTestId('refinery-cancel').click();
    await expect.poll(state, { timeout: 120_000 }).toBe('cancelled');

    // In Chinese, the catalogue's texts come from the dictionary too.
    await page.evaluate(() => localStorage.setItem('aip.locale', 'zh-CN'));
    await page.goto(`${platform.base}/refinery/new?algorithm=auto_prune&teacher=${encodeURIComponent(teacherId)}`);
    await page.getByTestId('refinery-form').waitFor();
    expect(await page.locator('h1').textContent()).toBe('新建精炼任务');
    expect(await page.getByTestId('algorithm-auto_prune').locator('strong').textContent()).toBe('自动剪枝');
    expect(await page.locator('[data-param=targetRatio] label').textContent()).toBe('保留的大小');
    await shot('form-zh');
    expect(pageErrors).toEqual([]);
  }, 400_000);
});
