/**
 * Dataset ingest: the uploaded zip → the canonical manifest in the blob store. A rejected upload
 * imports nothing: the normalized folder is only uploaded after the whole zip validated.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { DatasetError, importDataset, type DatasetFormat } from '@aip/datasets-spec';
import { schema } from '@aip/platform';
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
    try {
      const result = await importDataset({
        zipPath,
        outDir,
        ...(dataset.format ? { format: dataset.format as DatasetFormat } : {}),
        onProgress: (progress) => heartbeat(progress),
      });
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
          updatedAt: new Date(),
        })
        .where(eq(schema.datasets.id, dataset.id));
      return { status: 'ready' };
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error;
      await deps.db
        .update(schema.datasets)
        .set({
          status: 'invalid',
          report: { message: error.message, problems: error.problems },
          updatedAt: new Date(),
        })
        .where(eq(schema.datasets.id, dataset.id));
      return { status: 'invalid' };
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
