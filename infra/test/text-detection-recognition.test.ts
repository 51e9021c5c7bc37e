/**
 * Reading words, end to end, on the embedded platform (Temporal dev server, PGlite, local blobs,
 * the PyTorch trainer, ONNX Runtime through serving/), and the deployment bundle it hands back,
 * started with its own deploy.sh: a text-detection zip of words on noisy canvases — level ones
 * labelled as rectangles or 4-point polygons, others turned 10–40° — is uploaded through the API;
 * the flowchart dataset → text detection (tiny_dbnet) → text recognition (crnn_tiny) trains the
 * recognizer on the lines the trained detector cuts out; the stages report H-mean and word accuracy,
 * the run its end-to-end reading accuracy, and the bundle answers POST /aip with each found line's
 * reading nested under it.
 *
 * Measured on 2 CPU cores (240 scenes, 477 words; detector 5 epochs at 128 px, recognizer 14
 * epochs on the ~470 lines it cut), dataset seed 1 / seed 2: detector H-mean 0.995 / 0.994;
 * recognizer word accuracy 0.93 / 0.87, CER 0.041 / 0.063; run end to end: words found 1.0 / 1.0,
 * read exactly 0.93 / 0.87; POST /aip on 30 held-out scenes: found 57/57 / 58/59, read 0.84 / 0.92.
 * The test took 1.4 min on idle cores, 3.4 min with other work on them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchPolygonsByIou } from '@aip/datasets-spec';
import { drawTextImages, PlatformApi, startBundle, startEmbeddedPlatform, writeTextDetectionZip, type EmbeddedPlatform, type RunningBundle } from '../src/testing/index.ts';

const TRAINING_IMAGES = 240;
const HELD_OUT_IMAGES = 30;
// Well below what was measured (header), so that only a broken stage or a broken chain fails.
const MIN_HMEAN = 0.7;
const MIN_WORD_ACCURACY = 0.6;
const MAX_CER = 0.25;
/** Words found (a line over them, polygon IoU ≥ 0.5), in the run's metrics and through POST /aip. */
const MIN_COARSE_RECALL = 0.8;
/** Words found and read exactly, likewise. */
const MIN_END_TO_END_ACCURACY = 0.6;

describe('text detection → text recognition flowchart end to end (Temporal, PGlite, local blobs, trainer, serving bundle)', () => {
  let platform: EmbeddedPlatform | undefined;
  let api: PlatformApi;
  let tmp: string;
  let bundle: RunningBundle | undefined;

  beforeAll(async () => {
    if (!process.env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set: run this test through `npm test`');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-text-e2e-'));
    platform = await startEmbeddedPlatform();
    api = new PlatformApi(platform.base, platform.token);
  });

  afterAll(async () => {
    await bundle?.stop();
    await platform?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('trains a detector and a reader of its lines, whose bundle reads held-out words', async () => {
    const started = Date.now();
    const zipPath = path.join(tmp, 'words.zip');
    await writeTextDetectionZip(await drawTextImages(TRAINING_IMAGES, 1), zipPath);
    const dataset = await api.uploadDataset(zipPath, { name: 'words', format: 'text_detection' });
    expect(dataset.format).toBe('text_detection');
    expect(dataset.stats.images).toBe(TRAINING_IMAGES);

    const runId = await api.startRun('read words', {
      nodes: [
        { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: dataset.id } },
        { id: 'find', type: 'text_detection', position: { x: 250, y: 0 }, data: { arch: 'tiny_dbnet', classes: [], epochs: 5, imageSize: 128 } },
        { id: 'read', type: 'text_recognition', position: { x: 500, y: 0 }, data: { arch: 'crnn_tiny', classes: [], epochs: 14 } },
      ],
      edges: [
        { id: 'e1', source: 'data', target: 'find' },
        { id: 'e2', source: 'find', target: 'read' },
      ],
    });
    const run = await api.waitForRun(runId, 45 * 60_000);
    expect(run.status, `${run.error ?? JSON.stringify(run.stages)}\n${platform!.output().slice(-3000)}`).toBe('succeeded');
    console.log(`text run finished in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    const stage = (id: string) => run.stages.find((s: { nodeId: string }) => s.nodeId === id);
    console.log('stage metrics', JSON.stringify({ find: stage('find').metrics, read: { ...stage('read').metrics, examples: undefined } }));
    console.log('cascade metrics', JSON.stringify(run.metrics));
    expect(stage('find').metrics.hmean).toBeGreaterThanOrEqual(MIN_HMEAN);
    expect(stage('read').metrics.wordAccuracy).toBeGreaterThanOrEqual(MIN_WORD_ACCURACY);
    expect(stage('read').metrics.cer).toBeLessThanOrEqual(MAX_CER);
    // The recognizer's charset came from the detector's lines, Chinese characters included.
    expect(stage('read').metrics.charsetSize).toBe(15);
    expect(run.metrics.find.coarseRecall).toBeGreaterThanOrEqual(MIN_COARSE_RECALL);
    expect(run.metrics.find.endToEndAccuracy).toBeGreaterThanOrEqual(MIN_END_TO_END_ACCURACY);
    expect(run.metrics.find.endToEndAccuracy).toBeLessThanOrEqual(run.metrics.find.coarseRecall);

    // What the recognizer trained on: the detector's lines of the uploaded scenes, with lineage.
    const derived = await api.call('GET', `/api/datasets/${stage('read').datasetId}`);
    expect(derived.status).toBe(200);
    expect(derived.body.format).toBe('text_recognition');
    expect(derived.body.parentDatasetId).toBe(dataset.id);

    // The bundle, as a user deploys it, on scenes it never saw.
    bundle = await startBundle(await api.download(`/api/runs/${runId}/bundle`), path.join(tmp, 'bundle'));
    let words = 0;
    let found = 0;
    let read = 0;
    for (const image of await drawTextImages(HELD_OUT_IMAGES, 77)) {
      const answer = await bundle.ask(image.png);
      expect(answer.status).toBe(200);
      expect(answer.body.code).toBe(200);
      const result = answer.body.data.results.find;
      expect(result.task).toBe('text_detection');
      const lines = result.lines as Array<{ points: [number, number][]; score: number; children: { read?: { task: string; text: string } } }>;
      for (const line of lines) {
        expect(line.points).toHaveLength(4);
        expect(line.children.read?.task).toBe('text_recognition');
      }
      const matches = matchPolygonsByIou(
        lines.map((line) => line.points),
        image.words.map((word) => word.points),
        0.5,
      );
      words += image.words.length;
      found += matches.size;
      for (const [lineIndex, wordIndex] of matches) if (lines[lineIndex]!.children.read?.text === image.words[wordIndex]!.text) read++;
    }
    console.log(`POST /aip on ${HELD_OUT_IMAGES} held-out scenes: ${found} of ${words} words found, ${read} read exactly (${(read / words).toFixed(3)})`);
    expect(found / words).toBeGreaterThanOrEqual(MIN_COARSE_RECALL);
    expect(read / words).toBeGreaterThanOrEqual(MIN_END_TO_END_ACCURACY);
    console.log(`text test took ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  }, 60 * 60_000);
});
