/**
 * Restoring images, then classifying them, end to end on the embedded platform (Temporal dev
 * server, PGlite, local blobs, the PyTorch trainer, ONNX Runtime through serving/), and the
 * deployment bundle it hands back, started with its own deploy.sh: an enhancement zip of shapes
 * blurred, darkened and buried in noise, with their clean targets, in class folders (the shape: the
 * only place the enhancement format has for a class, datasets-spec/SPEC.md "Enhancement") is
 * uploaded through the API; the flowchart dataset → enhancement (unet_enhance_tiny) → classification
 * (tiny_cnn) trains the classifier on the trained enhancer's output images, labelled with their
 * sources' classes; the enhancer beats the unprocessed input's PSNR, the classifier a stated
 * accuracy, and the bundle answers POST /aip with the enhanced image and, under it, its class.
 *
 * Measured on 2 CPU cores (240 pairs of 64 px; enhancer 10 epochs, classifier 15), dataset seed
 * 1 / seed 2: enhancer PSNR 8.4 → 16.7 / 8.4 → 16.6 dB (SSIM 0.12 → 0.17 / 0.12 → 0.17); classifier
 * accuracy 1.0 / 1.0; POST /aip on 30 held-out pairs: PSNR 8.5 → 16.8 / 8.6 → 16.2 dB, 30/30
 * classified right. The test took 1.2 min on idle cores, 2.1 min with other work on them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawEnhancementPairs, ENHANCEMENT_CLASSES, PlatformApi, startBundle, startEmbeddedPlatform, writeEnhancementZip, type EmbeddedPlatform, type RunningBundle } from '../src/testing/index.ts';

const TRAINING_PAIRS = 240;
const HELD_OUT_PAIRS = 30;
// Well below what was measured (header), so that only a broken stage or a broken chain fails.
/** Over the unprocessed input's PSNR, in the stage's metrics and through POST /aip. */
const MIN_PSNR_GAIN_DB = 4;
/** The classifier's, in its metrics and through POST /aip. */
const MIN_ACCURACY = 0.8;

describe('enhancement → classification flowchart end to end (Temporal, PGlite, local blobs, trainer, serving bundle)', () => {
  let platform: EmbeddedPlatform | undefined;
  let api: PlatformApi;
  let tmp: string;
  let bundle: RunningBundle | undefined;

  beforeAll(async () => {
    if (!process.env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set: run this test through `npm test`');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aip-enhance-e2e-'));
    platform = await startEmbeddedPlatform();
    api = new PlatformApi(platform.base, platform.token);
  });

  afterAll(async () => {
    await bundle?.stop();
    await platform?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('trains an enhancer and a classifier of its images, whose bundle restores and classifies held-out images', async () => {
    const started = Date.now();
    const zipPath = path.join(tmp, 'restore.zip');
    await writeEnhancementZip(await drawEnhancementPairs(TRAINING_PAIRS, 1), zipPath);
    const dataset = await api.uploadDataset(zipPath, { name: 'spoiled shapes', format: 'enhancement' });
    expect(dataset.format).toBe('enhancement');
    expect(dataset.stats.images).toBe(TRAINING_PAIRS);
    expect(dataset.stats.classes).toEqual([...ENHANCEMENT_CLASSES]);

    const runId = await api.startRun('restore and classify', {
      nodes: [
        { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: dataset.id } },
        { id: 'restore', type: 'enhancement', position: { x: 250, y: 0 }, data: { arch: 'unet_enhance_tiny', classes: [], epochs: 10, imageSize: 64 } },
        { id: 'classify', type: 'classification', position: { x: 500, y: 0 }, data: { arch: 'tiny_cnn', classes: [...ENHANCEMENT_CLASSES], epochs: 15, imageSize: 64 } },
      ],
      edges: [
        { id: 'e1', source: 'data', target: 'restore' },
        { id: 'e2', source: 'restore', target: 'classify' },
      ],
    });
    const run = await api.waitForRun(runId, 45 * 60_000);
    expect(run.status, `${run.error ?? JSON.stringify(run.stages)}\n${platform!.output().slice(-3000)}`).toBe('succeeded');
    console.log(`enhancement run finished in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    const stage = (id: string) => run.stages.find((s: { nodeId: string }) => s.nodeId === id);
    console.log('stage metrics', JSON.stringify({ restore: stage('restore').metrics, classify: stage('classify').metrics }));
    const restore = stage('restore').metrics;
    expect(restore.psnr).toBeGreaterThanOrEqual(restore.inputPsnr + MIN_PSNR_GAIN_DB);
    expect(restore.ssim).toBeGreaterThan(restore.inputSsim);
    expect(stage('classify').metrics.accuracy).toBeGreaterThanOrEqual(MIN_ACCURACY);
    expect(stage('classify').metrics.classes).toEqual([...ENHANCEMENT_CLASSES]);

    // What the classifier trained on: the enhancer's images of the upload, with their classes.
    const derived = await api.call('GET', `/api/datasets/${stage('classify').datasetId}`);
    expect(derived.status).toBe(200);
    expect(derived.body.format).toBe('classification');
    expect(derived.body.parentDatasetId).toBe(dataset.id);
    expect(derived.body.stats.images).toBe(TRAINING_PAIRS);
    // …and they are the enhancer's images, not the spoiled inputs: the darkening is undone. (The
    // inputs keep half their targets' brightness: 60–100 grey levels, the targets 115–200.)
    const samples = await api.call('GET', `/api/runs/${runId}/stages/classify/samples`);
    expect(samples.status).toBe(200);
    const shown = samples.body.items as Array<{ url: string }>;
    expect(shown.length).toBeGreaterThan(0);
    let brightness = 0;
    for (const item of shown) {
      const { channels } = await sharp(await api.download(item.url)).stats();
      brightness += channels.slice(0, 3).reduce((sum, c) => sum + c.mean, 0) / 3 / shown.length;
    }
    console.log(`the classifier's sample images: mean brightness ${brightness.toFixed(0)}`);
    expect(brightness).toBeGreaterThan(115);

    // The bundle, as a user deploys it, on pairs it never saw.
    bundle = await startBundle(await api.download(`/api/runs/${runId}/bundle`), path.join(tmp, 'bundle'));
    let right = 0;
    let inputPsnr = 0;
    let outputPsnr = 0;
    const heldOut = await drawEnhancementPairs(HELD_OUT_PAIRS, 77);
    for (const pair of heldOut) {
      const answer = await bundle.ask(pair.input);
      expect(answer.status).toBe(200);
      expect(answer.body.code).toBe(200);
      const result = answer.body.data.results.restore;
      expect(result.task).toBe('enhancement');
      expect([result.width, result.height]).toEqual([pair.size, pair.size]);
      const classified = result.children.classify;
      expect(classified.task).toBe('classification');
      expect(ENHANCEMENT_CLASSES).toContain(classified.class);
      if (classified.class === pair.class) right++;
      inputPsnr += await psnr(pair.input, pair.target);
      outputPsnr += await psnr(Buffer.from(result.image, 'base64'), pair.target);
    }
    [inputPsnr, outputPsnr] = [inputPsnr / heldOut.length, outputPsnr / heldOut.length];
    console.log(`POST /aip on ${HELD_OUT_PAIRS} held-out pairs: PSNR ${inputPsnr.toFixed(1)} → ${outputPsnr.toFixed(1)} dB, ${right} classified right (${(right / heldOut.length).toFixed(3)})`);
    expect(outputPsnr).toBeGreaterThanOrEqual(inputPsnr + MIN_PSNR_GAIN_DB);
    expect(right / heldOut.length).toBeGreaterThanOrEqual(MIN_ACCURACY);
    console.log(`enhancement test took ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  }, 60 * 60_000);
});

/** PSNR in dB of two same-sized images over all pixels and RGB channels. */
async function psnr(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((png) => sharp(png).removeAlpha().raw().toBuffer()));
  let sum = 0;
  for (let i = 0; i < x!.length; i++) sum += (x![i]! - y![i]!) ** 2;
  const mse = sum / x!.length;
  return mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
}
