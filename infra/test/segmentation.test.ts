/**
 * A segmentation flowchart from upload to bundle on the embedded platform (Temporal dev server,
 * PGlite, local blobs, the trainer): shapes outlined as polygons are uploaded, a one-stage
 * segmentation flowchart trains a U-Net on them, the stage reports its mIoU, and the bundle's
 * pipeline outlines the shapes of held-out images where they are.
 */
import { openAsBlob } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractZip } from '@aip/datasets-spec';
import { loadPipeline } from '@aip/serving';
import { drawShapeImages, startEmbeddedPlatform, writeSegmentationZip, type EmbeddedPlatform } from '../src/testing/index.ts';

const TRAINING_IMAGES = 160;
/** Observed well above this on the test's shapes; the floor catches a model that learned nothing. */
const MIN_MIOU = 0.4;
const FINISHED = ['succeeded', 'failed', 'cancelled'];

describe('segmentation flowchart end to end (Temporal, PGlite, local blobs, trainer, serving)', () => {
  let platform: EmbeddedPlatform | undefined;

  beforeAll(async () => {
    if (!process.env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set: run this test through `npm test`');
    platform = await startEmbeddedPlatform();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const call = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${platform!.base}${url}`, {
      method,
      headers: { authorization: `Bearer ${platform!.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  it('trains a segmentation stage whose bundle outlines the shapes of held-out images', async () => {
    const { home, base, token } = platform!;
    const zipPath = path.join(home, 'shapes-outlined.zip');
    await writeSegmentationZip(await drawShapeImages(TRAINING_IMAGES, 3), zipPath);
    const form = new FormData();
    form.set('name', 'outlined shapes');
    form.set('format', 'segmentation');
    form.set('file', await openAsBlob(zipPath), 'shapes-outlined.zip');
    const upload = await fetch(`${base}/api/datasets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(upload.status).toBe(202);
    const { id: datasetId } = (await upload.json()) as { id: string };
    const dataset = await waitFor(() => call('GET', `/api/datasets/${datasetId}`), ({ body }) => body.status === 'ready' || body.status === 'invalid', 120_000);
    expect(dataset.body.status, JSON.stringify(dataset.body.problems)).toBe('ready');
    expect(dataset.body.format).toBe('segmentation');

    const created = await call('POST', '/api/flowcharts', {
      name: 'outline shapes',
      graph: {
        nodes: [
          { id: 'data', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId } },
          { id: 'outline', type: 'segmentation', position: { x: 250, y: 0 }, data: { classes: ['circle', 'ring', 'square', 'triangle'] } },
        ],
        edges: [{ id: 'e1', source: 'data', target: 'outline' }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.problems).toEqual([]);
    const started = await call('POST', `/api/flowcharts/${created.body.id}/runs`);
    expect(started.status).toBe(201);
    const runId = started.body.id as string;
    const run = await waitFor(() => call('GET', `/api/runs/${runId}`), ({ body }) => FINISHED.includes(body.status), 30 * 60_000);
    expect(run.body.status, run.body.error ?? JSON.stringify(run.body.stages)).toBe('succeeded');
    const [stage] = run.body.stages;
    console.log('segmentation metrics', JSON.stringify(stage.metrics));
    expect(stage.metrics.mIoU).toBeGreaterThanOrEqual(MIN_MIOU);
    expect(Object.keys(stage.metrics.perClassIoU).sort()).toEqual(['circle', 'ring', 'square', 'triangle']);

    // The stage page's samples: truth polygons and predicted outlines of held-out images.
    const samples = await call('GET', `/api/runs/${runId}/stages/outline/samples`);
    expect(samples.status).toBe(200);
    expect(samples.body.items[0].truth.polygons.length).toBeGreaterThan(0);
    expect(samples.body.items[0].prediction.task).toBe('segmentation');

    // The bundle's own pipeline, as its server runs it, on images it never saw.
    const bundle = await fetch(`${base}/api/runs/${runId}/bundle`, { headers: { authorization: `Bearer ${token}` } });
    expect(bundle.status).toBe(200);
    const bundleDir = path.join(home, 'segmentation-bundle');
    await mkdir(bundleDir, { recursive: true });
    await writeFile(path.join(bundleDir, 'bundle.zip'), Buffer.from(await bundle.arrayBuffer()));
    const { root } = await extractZip(path.join(bundleDir, 'bundle.zip'), path.join(bundleDir, 'files'));
    const pipeline = await loadPipeline(root);
    try {
      let found = 0;
      let shapes = 0;
      for (const image of await drawShapeImages(8, 77)) {
        const result = await pipeline.run(image.png);
        const outline = result.results.outline;
        if (outline?.task !== 'segmentation') throw new Error(`expected a segmentation result, got ${JSON.stringify(outline)}`);
        for (const box of image.boxes) {
          shapes++;
          // A shape counts as found when an outline of its class lies over its centre.
          const [cx, cy] = [(box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2];
          const region = outline.regions.find((r) => r.class === box.label);
          if (region?.outlines.some((o) => contains(o.points, cx, cy) || (box.label === 'ring' && nearBox(o.points, box)))) found++;
        }
      }
      console.log(`segmentation bundle: ${found} of ${shapes} held-out shapes outlined with their class`);
      expect(found / shapes).toBeGreaterThanOrEqual(0.5);
    } finally {
      await pipeline.close();
      await rm(bundleDir, { recursive: true, force: true });
    }
  }, 40 * 60_000);
});

/** Even-odd rule: whether (x, y) lies inside the polygon. */
function contains(points: [number, number][], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A ring may be outlined with its hole: then its outline's bounds match the ring's box instead. */
function nearBox(points: [number, number][], box: { x1: number; y1: number; x2: number; y2: number }): boolean {
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const tolerance = (box.x2 - box.x1) / 4;
  return Math.abs(Math.min(...xs) - box.x1) < tolerance && Math.abs(Math.max(...xs) - box.x2) < tolerance && Math.abs(Math.min(...ys) - box.y1) < tolerance && Math.abs(Math.max(...ys) - box.y2) < tolerance;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
