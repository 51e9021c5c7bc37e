/**
 * The labeling webhook: an external labeling tool delivers a job's labels (in the platform's own
 * manifest shapes, COCO, or a Label Studio export) and, by default, finishes the job. It carries no
 * API token: the request proves itself with an HMAC of its timestamp and body under the job's
 * secret, checked in constant time; timestamps far from now are refused so a captured request
 * cannot be replayed later. A repeated delivery (same body) imports once.
 */
import { createHash, createHmac } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, eq, sql } from 'drizzle-orm';
import { parseLabelDelivery, type DeliveryFormat } from '@aip/datasets-spec';
import { labelingDeliveries, labelingItems } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { access, BODY_LIMIT } from '../access.ts';
import { safeEqual } from '../auth.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { completeJob, findJob, jobView, requireOpen, targetOf } from '../labeling-jobs.ts';
import { originOf } from './labeling.ts';

/** How far a delivery's timestamp may be from the server's clock. */
export const REPLAY_WINDOW_S = 5 * 60;
const FORMATS: readonly DeliveryFormat[] = ['aip', 'coco', 'label-studio'];

/** `sha256=<hex>` of `<timestamp>.<body>` under `secret`: what a sender puts in X-AIP-Signature. */
export function signDelivery(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}


const labelingHookRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { db } = deps;
  // The signature covers the exact bytes sent: keep them, parse JSON only after checking it.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT.delivery }, (_request, body, done) => done(null, body));

  app.post(
    '/hooks/labeling/:jobId',
    {
      config: { access: access.anyone('an external tool proves itself with the HMAC signature of the job’s secret') },
      bodyLimit: BODY_LIMIT.delivery,
      schema: {
        tags: ['labeling'],
        summary: "Deliver a labeling job's labels from an external tool (HMAC-signed; no token)",
        description:
          'Headers: `X-AIP-Timestamp` (unix seconds) and `X-AIP-Signature: sha256=<hex HMAC-SHA256(job secret, "<timestamp>.<raw body>")>`. ' +
          'Body: `{"format": "aip"|"coco"|"label-studio", "labels": <payload>, "complete": true}`. All or nothing: any problem refuses the whole delivery.',
        params: Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 100 }) }),
        security: [],
        response: {
          200: Type.Object({ imported: Type.Integer(), duplicate: Type.Boolean(), state: Type.String(), labeled: Type.Integer(), total: Type.Integer() }),
          ...errorResponses(400, 401, 404, 409, 413),
        },
      },
    },
    async (request) => {
      const job = await findJob(db, request.params.jobId);
      const raw = request.body as unknown;
      if (!Buffer.isBuffer(raw)) throw new ApiError(400, 'bad_request', 'The delivery must be a JSON body (Content-Type: application/json).');

      const timestamp = String(request.headers['x-aip-timestamp'] ?? '');
      const signature = String(request.headers['x-aip-signature'] ?? '');
      if (!/^\d{1,12}$/.test(timestamp)) throw new ApiError(401, 'bad_timestamp', 'X-AIP-Timestamp must be the time of sending in unix seconds.');
      if (!safeEqual(signDelivery(job.webhookSecret, timestamp, raw), signature)) {
        throw new ApiError(401, 'bad_signature', 'X-AIP-Signature does not match the body signed with this job\'s secret: check the secret and sign "<timestamp>.<raw body>".');
      }
      const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
      if (skew > REPLAY_WINDOW_S) {
        throw new ApiError(401, 'stale_timestamp', `X-AIP-Timestamp is ${Math.round(skew)} s away from the server's clock (at most ${REPLAY_WINDOW_S} s): sign each delivery when sending it.`);
      }

      let body: { format?: unknown; labels?: unknown; complete?: unknown };
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        throw new ApiError(400, 'bad_request', `The body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'The body must be a JSON object {"format", "labels", "complete"}.');
      const format = body.format as DeliveryFormat;
      if (!FORMATS.includes(format)) throw new ApiError(400, 'bad_request', `"format" must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(body.format)}).`);
      if (body.complete !== undefined && typeof body.complete !== 'boolean') throw new ApiError(400, 'bad_request', '"complete" must be true or false.');
      if (body.labels === undefined) throw new ApiError(400, 'bad_request', '"labels" is missing: it holds the labels in the named format.');

      const digest = createHash('sha256').update(raw).digest('hex');
      const progress = async (imported: number, duplicate: boolean) => {
        const view = await jobView(db, await findJob(db, job.id), originOf(request));
        return { imported, duplicate, state: view.state, labeled: view.labeled, total: view.total };
      };
      const [seen] = await db.select().from(labelingDeliveries).where(and(eq(labelingDeliveries.jobId, job.id), eq(labelingDeliveries.digest, digest)));
      if (seen) return progress(0, true);
      requireOpen(job);

      const items = await db.select({ id: labelingItems.id, path: labelingItems.path, width: labelingItems.width, height: labelingItems.height }).from(labelingItems).where(eq(labelingItems.jobId, job.id));
      const { labels, problems } = parseLabelDelivery(format, body.labels, items, targetOf(job));
      if (problems.length > 0) {
        const shown = problems.slice(0, 3).map((problem) => problem.message).join(' ');
        throw new ApiError(400, 'invalid_labels', `Nothing was imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the delivery. ${shown}`, problems);
      }
      const imported = await db.transaction(async (tx) => {
        const [recorded] = await tx.insert(labelingDeliveries).values({ jobId: job.id, digest, items: labels.size }).onConflictDoNothing().returning();
        if (!recorded) return undefined; // the same delivery, concurrently
        const now = new Date();
        for (const [itemId, itemLabels] of labels) {
          await tx
            .update(labelingItems)
            .set({ labels: itemLabels as Record<string, unknown>, version: sql`${labelingItems.version} + 1`, labeledBy: null, labeledAt: now })
            .where(and(eq(labelingItems.id, itemId), eq(labelingItems.jobId, job.id)));
        }
        return labels.size;
      });
      if (imported === undefined) return progress(0, true);
      if (body.complete !== false) await completeJob(db, deps.temporal, job, true);
      return progress(imported, false);
    },
  );
};

export default labelingHookRoutes;
