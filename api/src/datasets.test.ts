import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { extractZip, writeManifest, type ManifestEntry } from '@aip/datasets-spec';
import { datasets, newId, users } from '@aip/platform';
import { uploadKey } from './upload.ts';
import { ingestWorkflowId } from './workflows.ts';
import { buildAppOn, multipartBody, startHarness, startedWorkflow, type Harness } from './test-support.ts';

describe('API datasets (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const upload = (fields: Record<string, string>, file?: { field?: string; filename: string; bytes: number }, app = h.app) => {
    const body = multipartBody(fields, file);
    return app.inject({ method: 'POST', url: '/api/datasets', headers: { ...h.auth, ...body.headers }, payload: body.payload });
  };

  it('streams a 20 MB upload into the blob store, marks it validating and starts the ingest workflow', async () => {
    const bytes = 20 * 1024 * 1024;
    const res = await upload({ format: 'detection' }, { filename: 'Birds.ZIP', bytes });
    expect(res.statusCode).toBe(202);
    const { id, status } = res.json();
    h.started.add(ingestWorkflowId(id));
    expect(status).toBe('validating');
    expect(id).toMatch(/^ds_/);

    expect(await h.blobs.size(uploadKey(id))).toBe(bytes);
    const [row] = await h.db.select().from(datasets).where(eq(datasets.id, id));
    expect(row).toMatchObject({ ownerId: h.userId, name: 'Birds', format: 'detection', status: 'validating' });

    const wf = await startedWorkflow(h.temporal, ingestWorkflowId(id));
    expect(wf).toMatchObject({ type: 'ingestDatasetWorkflow', taskQueue: h.taskQueue, args: [{ datasetId: id }] });

    const shown = await h.app.inject({ url: `/api/datasets/${id}`, headers: h.auth });
    expect(shown.json()).toMatchObject({ id, name: 'Birds', status: 'validating', classes: [], problems: [], owned: true });
  });

  it('names the dataset after the file by default, and honours fields sent after the file', async () => {
    const byDefault = await upload({}, { filename: 'folder/cats and dogs.zip', bytes: 10 });
    expect(byDefault.statusCode).toBe(202);
    h.started.add(ingestWorkflowId(byDefault.json().id));
    const [row] = await h.db.select().from(datasets).where(eq(datasets.id, byDefault.json().id));
    expect(row).toMatchObject({ name: 'cats and dogs', format: null });

    const body = multipartBody({}, { filename: 'x.zip', bytes: 10 }, { name: 'late name', format: 'classification' });
    const late = await h.app.inject({ method: 'POST', url: '/api/datasets', headers: { ...h.auth, ...body.headers }, payload: body.payload });
    expect(late.statusCode).toBe(202);
    h.started.add(ingestWorkflowId(late.json().id));
    const [lateRow] = await h.db.select().from(datasets).where(eq(datasets.id, late.json().id));
    expect(lateRow).toMatchObject({ name: 'late name', format: 'classification', status: 'validating' });

    // A bad field after the file: the row already exists, so it ends invalid and its bytes go.
    const bad = multipartBody({}, { filename: 'bad late format.zip', bytes: 10 }, { format: 'nope' });
    const refused = await h.app.inject({ method: 'POST', url: '/api/datasets', headers: { ...h.auth, ...bad.headers }, payload: bad.payload });
    expect(refused.statusCode).toBe(400);
    const [badRow] = await h.db.select().from(datasets).where(eq(datasets.name, 'bad late format'));
    expect(badRow).toMatchObject({ status: 'invalid' });
    expect(await h.blobs.exists(uploadKey(badRow!.id))).toBe(false);
  });

  it('refuses an upload without a file, a non-zip file and an unknown format with 400, creating nothing', async () => {
    const before = (await h.db.select().from(datasets)).length;
    const noFile = await upload({ name: 'nothing' });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().error).toMatchObject({ code: 'missing_file', message: expect.stringMatching(/no file.*"file"/) });

    const notZip = await upload({}, { filename: 'photo.jpg', bytes: 100 });
    expect(notZip.statusCode).toBe(400);
    expect(notZip.json().error).toMatchObject({ code: 'not_zip', message: expect.stringContaining('"photo.jpg" is not a .zip') });

    const badFormat = await upload({ format: 'segmentation-masks' }, { filename: 'a.zip', bytes: 100 });
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.json().error).toMatchObject({ code: 'unknown_format', message: expect.stringContaining('Unknown dataset format "segmentation-masks"') });

    const json = await h.app.inject({ method: 'POST', url: '/api/datasets', headers: h.auth, payload: { name: 'x' } });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('unsupported_media_type');

    expect(await h.db.select().from(datasets)).toHaveLength(before);
  });

  it('refuses a file over the upload limit with 413, marking the dataset invalid and keeping no bytes', async () => {
    const small = buildAppOn(h, { config: { uploadMaxBytes: 1000 } });
    try {
      const res = await upload({ name: 'too big' }, { filename: 'big.zip', bytes: 5000 }, small);
      expect(res.statusCode).toBe(413);
      expect(res.json().error.message).toBe('The file "big.zip" is larger than the 1000 bytes this server accepts for an upload.');
      const [row] = await h.db.select().from(datasets).where(eq(datasets.name, 'too big'));
      expect(row).toMatchObject({ status: 'invalid' });
      expect(JSON.stringify(row!.report)).toContain('The upload failed');
      expect(row!.report).toMatchObject({ problems: [{ file: '', code: 'upload_failed', params: { reason: expect.stringContaining('big.zip') } }] });
      expect(await h.blobs.exists(uploadKey(row!.id))).toBe(false);
    } finally {
      await small.close();
    }
  });

  it('pages through a ready dataset\'s labelled images and serves only the images its manifest lists', async () => {
    const id = newId('ds');
    const prefix = `datasets/${id}/normalized`;
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const entries = [
      { path: 'images/a b.png', width: 8, height: 8, split: 'train', boxes: [{ x1: 1, y1: 1, x2: 4, y2: 4, label: 'cat' }] },
      { path: 'images/c.png', width: 8, height: 8, split: 'test', boxes: [] },
    ];
    await h.blobs.put(`${prefix}/manifest.jsonl`, entries.map((e) => JSON.stringify(e)).join('\n'));
    await h.blobs.put(`${prefix}/images/a b.png`, png);
    await h.blobs.put(`${prefix}/secret.txt`, 'not an image of the dataset');
    await h.db.insert(datasets).values({ id, ownerId: h.userId, name: 'boxes', status: 'ready', format: 'detection', blobPrefix: `datasets/${id}/` });

    const page = await h.app.inject({ url: `/api/datasets/${id}/samples?limit=1`, headers: h.auth });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toEqual({ total: 2, items: [{ ...entries[0], url: `/api/datasets/${id}/files/images/a%20b.png` }] });
    const tests = await h.app.inject({ url: `/api/datasets/${id}/samples?split=test`, headers: h.auth });
    expect(tests.json().items.map((item: { path: string }) => item.path)).toEqual(['images/c.png']);

    const image = await h.app.inject({ url: page.json().items[0].url, headers: h.auth });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload.equals(png)).toBe(true);
    for (const trick of ['secret.txt', 'images/../secret.txt', '..%2Fnormalized%2Fsecret.txt', 'manifest.jsonl']) {
      const refused = await h.app.inject({ url: `/api/datasets/${id}/files/${trick}`, headers: h.auth });
      expect(refused.statusCode, trick).toBe(404);
    }
    expect((await h.app.inject({ url: `/api/datasets/${id}/files/images/c.png` })).statusCode).toBe(401);

    await h.db.update(datasets).set({ status: 'validating' }).where(eq(datasets.id, id));
    const early = await h.app.inject({ url: `/api/datasets/${id}/samples`, headers: h.auth });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('dataset_not_ready');
  });

  it('exports a ready dataset as a zip in the formats its kind allows, and refuses the others', async () => {
    const id = newId('ds');
    const local = await mkdtemp(path.join(os.tmpdir(), 'aip-test-export-'));
    const entries: ManifestEntry[] = [
      { path: 'images/a.png', width: 10, height: 8, split: 'train', boxes: [{ x1: 0, y1: 0, x2: 5, y2: 4, label: 'cat' }] },
      { path: 'images/b.png', width: 10, height: 8, split: 'test', boxes: [] },
    ];
    await mkdir(path.join(local, 'images'));
    for (const entry of entries) await writeFile(path.join(local, entry.path), Buffer.from('89504e470d0a1a0a', 'hex'));
    await writeManifest(local, entries, { format: 'detection' });
    await h.blobs.uploadDir(local, `datasets/${id}/normalized`);
    await h.db.insert(datasets).values({ id, ownerId: h.userId, name: 'Street cats', status: 'ready', format: 'detection', blobPrefix: `datasets/${id}/` });

    const yolo = await h.app.inject({ url: `/api/datasets/${id}/export?to=yolo`, headers: h.auth });
    expect(yolo.statusCode).toBe(200);
    expect(yolo.headers['content-type']).toBe('application/zip');
    expect(yolo.headers['content-disposition']).toContain(`filename="${id}-yolo.zip"`);
    expect(yolo.headers['content-disposition']).toContain("filename*=UTF-8''Street_cats-yolo.zip");
    await writeFile(path.join(local, 'yolo.zip'), yolo.rawPayload);
    const unpacked = await extractZip(path.join(local, 'yolo.zip'), path.join(local, 'yolo'));
    expect(unpacked.files).toEqual(['data.yaml', 'images/test/b.png', 'images/train/a.png', 'labels/test/b.txt', 'labels/train/a.txt']);
    expect(await readFile(path.join(local, 'yolo', 'labels', 'train', 'a.txt'), 'utf8')).toBe('0 0.25 0.25 0.5 0.5\n');

    const coco = await h.app.inject({ url: `/api/datasets/${id}/export?to=coco`, headers: h.auth });
    expect(coco.statusCode).toBe(200);

    const folders = await h.app.inject({ url: `/api/datasets/${id}/export?to=folders`, headers: h.auth });
    expect(folders.statusCode).toBe(400);
    expect(folders.json().error).toMatchObject({ code: 'export_unavailable', message: expect.stringContaining('coco or yolo') });
    expect((await h.app.inject({ url: `/api/datasets/${id}/export?to=voc`, headers: h.auth })).statusCode).toBe(400);
    expect((await h.app.inject({ url: `/api/datasets/${id}/export?to=coco` })).statusCode).toBe(401);
    expect((await h.app.inject({ url: `/api/datasets/ds_missing/export?to=coco`, headers: h.auth })).statusCode).toBe(404);
    // Nothing of the exports stays behind in the temporary folder (removed once the download ends).
    await vi.waitFor(async () => expect((await readdir(os.tmpdir())).filter((name) => name.startsWith('aip-export-'))).toEqual([]));
    await rm(local, { recursive: true, force: true });
  });

  it('lists and shows only the caller’s datasets and public ones; only the owner deletes', async () => {
    const otherUser = newId('usr');
    await h.db.insert(users).values({ id: otherUser, email: 'other@example.com' });
    const privateId = newId('ds');
    const publicId = newId('ds');
    await h.db.insert(datasets).values([
      { id: privateId, ownerId: otherUser, name: 'theirs', status: 'ready', blobPrefix: `datasets/${privateId}/` },
      {
        id: publicId,
        ownerId: otherUser,
        name: 'shared',
        status: 'invalid',
        format: 'classification',
        visibility: 'public',
        stats: { classes: ['cat', 'dog'] },
        report: { problems: [{ file: 'label.txt', line: 3, message: 'bad box' }] },
        blobPrefix: `datasets/${publicId}/`,
      },
    ]);
    const list = await h.app.inject({ url: '/api/datasets', headers: h.auth });
    const ids = list.json().map((d: { id: string }) => d.id);
    expect(ids).toContain(publicId);
    expect(ids).not.toContain(privateId);

    expect((await h.app.inject({ url: `/api/datasets/${privateId}`, headers: h.auth })).statusCode).toBe(404);
    const shared = await h.app.inject({ url: `/api/datasets/${publicId}`, headers: h.auth });
    expect(shared.json()).toMatchObject({
      owned: false,
      classes: ['cat', 'dog'],
      problems: [{ file: 'label.txt', line: 3, message: 'bad box' }],
    });
    const refused = await h.app.inject({ method: 'DELETE', url: `/api/datasets/${publicId}`, headers: h.auth });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('only its owner') });

    const mine = await upload({}, { filename: 'mine.zip', bytes: 10 });
    const { id } = mine.json();
    h.started.add(ingestWorkflowId(id));
    await h.blobs.put(`datasets/${id}/normalized/dataset.json`, '{}');
    const deleted = await h.app.inject({ method: 'DELETE', url: `/api/datasets/${id}`, headers: h.auth });
    expect(deleted.statusCode).toBe(204);
    expect(await h.blobs.exists(uploadKey(id))).toBe(false);
    expect(await h.blobs.exists(`datasets/${id}/normalized/dataset.json`)).toBe(false);
    expect((await h.app.inject({ url: `/api/datasets/${id}`, headers: h.auth })).statusCode).toBe(404);
  });
});
