import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLACK, cascadeSpec, drawPolygons, drawScene, makeModels, removeTempDirs, rotatedBar, textLinesSpec, writeBundle } from '../test/fixtures.ts';
import { formatLocalTime } from './envelope.ts';
import { type Pipeline, loadPipeline } from './pipeline.ts';
import { createServer } from './server.ts';

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

let models: string;
let pipeline: Pipeline;
let app: FastifyInstance;
let scene: Buffer;

beforeAll(async () => {
  models = makeModels();
  pipeline = await loadPipeline(writeBundle(models));
  app = createServer(pipeline);
  scene = await drawScene();
});
afterAll(async () => {
  await app?.close();
  await pipeline?.close();
  removeTempDirs();
});

function post(payload: string | object, contentType = 'application/json') {
  return app.inject({
    method: 'POST',
    url: '/aip',
    headers: { 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function expectBadRequest(payload: string | object, message: RegExp, contentType?: string) {
  const response = await post(payload, contentType);
  expect(response.statusCode).toBe(400);
  const body = response.json();
  expect(body).toEqual({ code: 400, message: expect.stringMatching(message), data: null, time: expect.stringMatching(TIME) });
}

describe('POST /aip', () => {
  it('answers 200 with the envelope and the nested cascade result', async () => {
    const response = await post({ image: scene.toString('base64') });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      code: 200,
      message: 'success',
      data: await pipeline.run(scene),
      time: expect.stringMatching(TIME),
    });
    expect(body.data.results.detect.objects.map((o: { fineClass: string }) => o.fineClass)).toEqual(['red', 'blue']);
  });

  it('accepts a data: URL, line-wrapped base64 and a non-JSON content type', async () => {
    const wrapped = scene.toString('base64').replace(/.{76}/g, '$&\n');
    const dataUrl = await post({ image: `data:image/png;base64,${wrapped}` });
    expect(dataUrl.json().code).toBe(200);
    const form = await post({ image: scene.toString('base64') }, 'application/x-www-form-urlencoded');
    expect(form.statusCode).toBe(200);
  });

  it('answers 400 for a missing or empty image', async () => {
    await expectBadRequest({}, /^missing image$/);
    await expectBadRequest({ image: '' }, /^missing image$/);
    await expectBadRequest({ image: 42 }, /base64 string/);
    await expectBadRequest([1], /malformed body/);
  });

  it('answers 400 for non-base64 text and for bytes that are not an image', async () => {
    await expectBadRequest({ image: 'this is not base64!' }, /not valid base64/);
    await expectBadRequest({ image: Buffer.from('hello, not a picture').toString('base64') }, /cannot decode image/);
  });

  it('answers 400 for a body that is not JSON', async () => {
    await expectBadRequest('{"image": ', /malformed body/);
    await expectBadRequest('{"image": ', /malformed body/, 'text/plain');
  });

  it('answers 400 (not 413) for a body over 4 MB', async () => {
    const image = 'A'.repeat(5 * 1024 * 1024);
    await expectBadRequest({ image }, /larger than 4 MB/);
  });

  it('nests the text read from each line under the line a text detector found', async () => {
    const lines = await loadPipeline(writeBundle(models, textLinesSpec()));
    const server = createServer(lines);
    const image = await drawPolygons(256, 128, [
      { points: [[20, 16], [140, 16], [140, 36], [20, 36]], colour: BLACK },
      { points: rotatedBar(190, 80, 80, 16, -20), colour: BLACK },
    ]);
    const response = await server.inject({ method: 'POST', url: '/aip', payload: { image: image.toString('base64') } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    // The same answer as the pipeline's (pipeline.test.ts checks its lines), in the envelope.
    expect(body).toEqual({ code: 200, message: 'success', data: await lines.run(image), time: expect.stringMatching(TIME) });
    expect(body.data.results.lines.lines.map((line: { children: { read: { text: string } } }) => line.children.read.text)).toEqual(['A猫', 'A猫']);
    await server.close();
    await lines.close();
  });

  it('answers 401 when the prediction fails', async () => {
    // The classifier declares three classes but its graph outputs two probabilities.
    const broken = await loadPipeline(writeBundle(models, cascadeSpec(), { 'round-kind': 'colour-2.onnx' }));
    const server = createServer(broken);
    const response = await server.inject({
      method: 'POST',
      url: '/aip',
      payload: { image: scene.toString('base64') },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      code: 401,
      message: expect.stringMatching(/^prediction failed: .*round-kind\.onnx: output "probs" has shape \[1,2\]/),
      data: null,
      time: expect.stringMatching(TIME),
    });
    await server.close();
    await broken.close();
  });
});

describe('GET /healthz', () => {
  it('names the pipeline and its stages', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.json()).toEqual({
      status: 'ok',
      pipeline: 'shapes and colours',
      stages: ['detect', 'round-kind', 'angular-kind'],
    });
  });
});

describe('formatLocalTime', () => {
  it('formats local time as YYYY-MM-DD HH:mm:ss', () => {
    expect(formatLocalTime(new Date(2024, 0, 5, 7, 8, 9))).toBe('2024-01-05 07:08:09');
  });
});
