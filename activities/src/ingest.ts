/**
 * Dataset ingest: the uploaded zip → the canonical manifest in the blob store. A rejected upload
 * imports nothing: the normalized folder is only uploaded after the whole zip validated.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat, log } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { DatasetError, importDataset, type DatasetFormat } from '@aip/datasets-spec';
import { schema, type IngestProgress } from '@aip/platform';
import type { ActivityDeps } from './deps.ts';
import { normalizedPrefix, uploadKey } from './keys.ts';
import { downloadBlob } from './local-files.ts';

export async function ingestDataset(
  deps: ActivityDeps,
  input: { datasetId: string },
): Promise<{ status: 'ready' | 'invalid' }> {
  const [dataset] = await deps.db.select().from(schema.datasets).where(eq(schema.datasets.id, input.datasetId));
  if (!dataset) throw new Error(`dataset ${input.datasetId} does not exist`);
  if (dataset.status === 'ready' || dataset.status === 'invalid') return { status: dataset.status };

  const scratch = path.join(deps.config.workDir, 'ingest', dataset.id);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const zipPath = path.join(scratch, 'upload.zip');
    await downloadBlob(deps.blobs, uploadKey(dataset), zipPath);
    const outDir = path.join(scratch, 'normalized');
    const progressWriter = throttledProgress(deps, dataset.id);
    try {
      const result = await importDataset({
        zipPath,
        outDir,
        ...(dataset.format ? { format: dataset.format as DatasetFormat } : {}),
        onProgress: (progress) => {
          heartbeat(progress);
          progressWriter.report(progress);
        },
      });
      await progressWriter.flush();
      const prefix = normalizedPrefix(dataset);
      await deps.blobs.deletePrefix(`${prefix}/`);
      await deps.blobs.uploadDir(outDir, prefix);
      await deps.db
        .update(schema.datasets)
        .set({
          status: 'ready',
          format: result.info.format,
          stats: result.info,
          report: result.report,
          progress: null,
          updatedAt: new Date(),
        })
        .where(eq(schema.datasets.id, dataset.id));
      return { status: 'ready' };
    } catch (error) {
      await progressWriter.flush();
      if (!(error instanceof DatasetError)) throw error;
      await deps.db
        .update(schema.datasets)
        .set({
          status: 'invalid',
          report: { message: error.message, problems: error.problems },
          progress: null,
          updatedAt: new Date(),
        })
        .where(eq(schema.datasets.id, dataset.id));
      return { status: 'invalid' };
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The upload page polls the dataset: one progress write per interval is plenty, and spares the database. */
const PROGRESS_INTERVAL_MS = 400;

function throttledProgress(deps: ActivityDeps, datasetId: string) {
  let last = 0;
  let writing: Promise<unknown> = Promise.resolve();
  return {
    report(progress: IngestProgress): void {
      const now = Date.now();
      const final = progress.done === progress.total;
      if (now - last < PROGRESS_INTERVAL_MS && !final) return;
      last = now;
      const { phase, done, total } = progress;
      writing = writing
        .then(() =>
          deps.db
            .update(schema.datasets)
            .set({ progress: { phase, done, total } })
            .where(and(eq(schema.datasets.id, datasetId), eq(schema.datasets.status, 'validating'))),
        )
        // Progress is informational: a failed write must not fail the ingest.
        .catch((error: unknown) => log.warn('could not record ingest progress', { datasetId, error: String(error) }));
    },
    flush: () => writing,
  };
}
