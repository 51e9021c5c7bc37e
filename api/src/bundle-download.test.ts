import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundles, flowcharts, ID_PREFIX, newId, runs, S3BlobStore, type BlobStore } from '@aip/platform';
import { buildAppOn, startHarness, type Harness } from './test-support.ts';

/** A finished run of the harness's admin with a bundle in `blobs`; returns its id and the zip. */
async function finishedRunWithBundle(h: Harness, blobs: BlobStore): Promise<{ runId: string; zip: Buffer }> {
  const flowchartId = newId(ID_PREFIX.flowchart);
  await h.db.insert(flowcharts).values({ id: flowchartId, ownerId: h.userId, name: 'chart', graph: { nodes: [], edges: [] } });
  const runId = newId(ID_PREFIX.run);
  await h.db.insert(runs).values({
    id: runId,
    ownerId: h.userId,
    flowchartId,
    flowchartRevision: 1,
    graph: { nodes: [], edges: [] },
    plan: { version: 1, stages: [] },
    workflowId: runId,
    status: 'succeeded',
  });
  const zip = Buffer.from('PK\u0005\u0006'.padEnd(22, '\u0000'), 'latin1');
  await blobs.put(`bundles/${runId}.zip`, zip);
  await h.db.insert(bundles).values({ id: newId(ID_PREFIX.bundle), runId, blobKey: `bundles/${runId}.zip`, size: zip.length, sha256: 'abc' });
  return { runId, zip };
}

describe('bundle downloads (PGlite, Temporal dev server; S3 at AIP_TEST_S3_ENDPOINT)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('streams the zip through the API where the store cannot hand out links (local folder)', async () => {
    const { runId, zip } = await finishedRunWithBundle(h, h.blobs);
    const link = await h.app.inject({ url: `/api/runs/${runId}/bundle/link`, headers: h.auth });
    expect(link.statusCode).toBe(200);
    expect(link.json()).toEqual({
      url: `/api/runs/${runId}/bundle`,
      direct: false,
      expiresAt: null,
      filename: `aip-bundle-${runId}.zip`,
      size: zip.length,
      sha256: 'abc',
    });
    const download = await h.app.inject({ url: `/api/runs/${runId}/bundle`, headers: h.auth });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(zip)).toBe(true);
  });

  it('redirects to a short-lived presigned S3 link, which works without credentials', async () => {
    const endpoint = process.env.AIP_TEST_S3_ENDPOINT;
    if (!endpoint) throw new Error('AIP_TEST_S3_ENDPOINT is not set: this test needs an S3-compatible server (run it through npm test)');
    const bucket = `aip-bundles-test-${Date.now()}`;
    const s3 = new S3BlobStore(bucket, 'tenant', { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'aip', secretAccessKey: 'aip-secret' } });
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    const app = buildAppOn(h, { blobs: s3, config: { downloadUrlSeconds: 90 } });
    try {
      const { runId, zip } = await finishedRunWithBundle(h, s3);

      const before = Date.now();
      const redirect = await app.inject({ url: `/api/runs/${runId}/bundle`, headers: h.auth });
      expect(redirect.statusCode).toBe(302);
      expect(redirect.headers['cache-control']).toBe('no-store');
      const location = new URL(String(redirect.headers.location));
      expect(`${location.origin}${location.pathname}`).toBe(`${endpoint}/${bucket}/tenant/bundles/${runId}.zip`);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('90');
      const fetched = await fetch(location);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-disposition')).toBe(`attachment; filename="aip-bundle-${runId}.zip"`);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(zip)).toBe(true);

      const link = (await app.inject({ url: `/api/runs/${runId}/bundle/link`, headers: h.auth })).json();
      expect(link).toMatchObject({ direct: true, size: zip.length, sha256: 'abc', filename: `aip-bundle-${runId}.zip` });
      expect(new URL(link.url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      const lifetime = Date.parse(link.expiresAt) - before;
      expect(lifetime).toBeGreaterThanOrEqual(90_000);
      expect(lifetime).toBeLessThan(90_000 + 60_000);

      // Nobody else learns the link (the access layer answers before the handler signs anything).
      expect((await app.inject({ url: `/api/runs/${runId}/bundle/link` })).statusCode).toBe(401);
      await s3.deletePrefix('bundles/');
    } finally {
      await app.close();
      s3.client.destroy();
    }
  });
});
