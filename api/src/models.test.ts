import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, newId, users } from '@aip/platform';
import { onnxFileName } from './routes/models.ts';
import { startHarness, type Harness } from './test-support.ts';

describe('API model download (PGlite, local blob store, Temporal dev server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('streams the ONNX file of own and public models, with its size and a safe file name', async () => {
    const other = newId('usr');
    await h.db.insert(users).values({ id: other, email: 'someone-else@example.com' });
    const mine = newId('mdl');
    const theirsPublic = newId('mdl');
    const theirsPrivate = newId('mdl');
    const withoutFile = newId('mdl');
    const base = { task: 'detection', arch: 'tiny_det', classes: ['round', 'angular'], origin: 'run' as const };
    await h.db.insert(models).values([
      { ...base, id: mine, ownerId: h.userId, name: 'Find shapes', blobPrefix: `runs/run_x/stages/detect/model/` },
      { ...base, id: theirsPublic, ownerId: other, name: '形状 detector', visibility: 'public', blobPrefix: `models/${theirsPublic}` },
      { ...base, id: theirsPrivate, ownerId: other, name: 'private', blobPrefix: `models/${theirsPrivate}/` },
      { ...base, id: withoutFile, ownerId: h.userId, name: 'lost', blobPrefix: `models/${withoutFile}/` },
    ]);
    // Not a real network: the route serves whatever bytes are stored.
    const onnx = Buffer.from([0x08, 0x07, 0x12, 0x04, 0x61, 0x69, 0x70, 0x00, 0xff]);
    await h.blobs.put('runs/run_x/stages/detect/model/model.onnx', onnx);
    await h.blobs.put(`models/${theirsPublic}/model.onnx`, onnx);
    await h.blobs.put(`models/${theirsPrivate}/model.onnx`, onnx);

    const download = await h.app.inject({ url: `/api/models/${mine}/onnx`, headers: h.auth });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-length']).toBe(String(onnx.length));
    expect(download.headers['content-disposition']).toBe(`attachment; filename=Find-shapes-${mine}.onnx`);
    expect(download.rawPayload.equals(onnx)).toBe(true);

    const shared = await h.app.inject({ url: `/api/models/${theirsPublic}/onnx`, headers: h.auth });
    expect(shared.statusCode).toBe(200);
    expect(shared.headers['content-disposition']).toBe(`attachment; filename=detector-${theirsPublic}.onnx`);
    expect(shared.rawPayload.equals(onnx)).toBe(true);

    const hidden = await h.app.inject({ url: `/api/models/${theirsPrivate}/onnx`, headers: h.auth });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('not_found');
    const lost = await h.app.inject({ url: `/api/models/${withoutFile}/onnx`, headers: h.auth });
    expect(lost.statusCode).toBe(404);
    expect(lost.json().error).toMatchObject({ code: 'model_file_missing', message: expect.stringContaining(withoutFile) });
    expect((await h.app.inject({ url: '/api/models/mdl_nope/onnx', headers: h.auth })).statusCode).toBe(404);
    expect((await h.app.inject({ url: `/api/models/${mine}/onnx` })).statusCode).toBe(401);
  });

  it('names the file after the model in characters every file system and header accepts', () => {
    expect(onnxFileName('Find shapes', 'mdl_1')).toBe('Find-shapes-mdl_1.onnx');
    expect(onnxFileName('a/b\\c"d;e', 'mdl_1')).toBe('a-b-c-d-e-mdl_1.onnx');
    expect(onnxFileName('圆形', 'mdl_1')).toBe('model-mdl_1.onnx');
    expect(onnxFileName('..', 'mdl_1')).toBe('model-mdl_1.onnx');
    expect(onnxFileName('x'.repeat(200), 'mdl_1')).toBe(`${'x'.repeat(60)}-mdl_1.onnx`);
  });
});
