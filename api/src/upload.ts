/**
 * Receiving a dataset upload: the zip part is piped straight into the blob store as it arrives
 * (never held whole in memory), the dataset row tracks it (`uploading` → `validating`), and the
 * ingest workflow takes over. If anything fails once the row exists, the row is marked `invalid`
 * with the reason and the stored bytes are removed, so nothing is left half-imported.
 */
import type { FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { eq } from 'drizzle-orm';
import { DATASET_FORMATS, formatBytes, type Problem } from '@aip/datasets-spec';
import { datasets, newId, ID_PREFIX, type BlobStore, type Database } from '@aip/platform';
import { ApiError } from './errors.ts';
import type { WorkflowStarter } from './workflows.ts';

export const uploadKey = (datasetId: string) => `datasets/${datasetId}/upload.zip`;

interface UploadDeps {
  db: Database;
  blobs: BlobStore;
  userId: string;
  workflows: WorkflowStarter;
  /** Largest accepted zip in bytes. */
  maxBytes: number;
}

const FIELDS = ['name', 'format'] as const;
type Fields = Partial<Record<(typeof FIELDS)[number], string>>;

function checkFormat(format: string | undefined): void {
  if (format !== undefined && format !== '' && !(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new ApiError(
      400,
      'unknown_format',
      `Unknown dataset format "${format}": use ${DATASET_FORMATS.map((f) => `"${f}"`).join(' or ')}, or leave "format" out to detect it.`,
    );
  }
}

function checkName(name: string | undefined): void {
  if (name !== undefined && name.length > 200) throw new ApiError(400, 'name_too_long', 'The dataset name is longer than 200 characters.');
}

/** "birds.zip" → "birds" (the default dataset name). */
function baseName(filename: string): string {
  const last = filename.split(/[\\/]/).pop() ?? filename;
  return last.replace(/\.zip$/i, '') || last;
}

/** Returns the new dataset id once the zip is stored and the ingest workflow started. */
export async function receiveDatasetUpload(request: FastifyRequest, deps: UploadDeps): Promise<string> {
  const fields: Fields = {};
  let datasetId: string | undefined;
  let fileName: string | undefined;
  try {
    for await (const part of request.parts({ limits: { fileSize: deps.maxBytes } })) {
      if (part.type === 'field') {
        if ((FIELDS as readonly string[]).includes(part.fieldname) && typeof part.value === 'string') {
          fields[part.fieldname as keyof Fields] = part.value.trim();
        }
        continue;
      }
      if (part.fieldname !== 'file') {
        throw new ApiError(400, 'unexpected_part', `Unexpected file part "${part.fieldname}": send the dataset zip in the part named "file".`);
      }
      if (datasetId !== undefined) throw new ApiError(400, 'one_zip_per_upload', 'Send one zip per upload (the part "file" came twice).');
      if (!/\.zip$/i.test(part.filename)) {
        throw new ApiError(400, 'not_zip', `The uploaded file "${part.filename}" is not a .zip: upload the dataset as one zip archive.`);
      }
      checkFormat(fields.format);
      checkName(fields.name);
      fileName = part.filename;
      datasetId = newId(ID_PREFIX.dataset);
      await deps.db.insert(datasets).values({
        id: datasetId,
        ownerId: deps.userId,
        name: fields.name || baseName(part.filename),
        format: fields.format || null,
        status: 'uploading',
        blobPrefix: `datasets/${datasetId}/`,
      });
      await storeFile(deps.blobs, uploadKey(datasetId), part, deps.maxBytes);
    }
    if (datasetId === undefined) {
      throw new ApiError(400, 'missing_file', 'The upload has no file: send the dataset zip as the multipart file part "file".');
    }
    // Fields sent after the file part still count.
    checkFormat(fields.format);
    checkName(fields.name);
    await deps.db
      .update(datasets)
      .set({
        status: 'validating',
        ...(fields.name ? { name: fields.name } : {}),
        ...(fields.format ? { format: fields.format } : {}),
        updatedAt: new Date(),
      })
      .where(eq(datasets.id, datasetId));
    await deps.workflows.startIngest(datasetId);
    return datasetId;
  } catch (caught) {
    // @fastify/multipart may report the size limit itself; say which file and which limit.
    const error =
      (caught as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge(fileName ?? 'file', deps.maxBytes) : caught;
    if (datasetId !== undefined) await discardUpload(deps, datasetId, error, request);
    throw error;
  }
}

/** Pipes the part into the store; a part over the size limit fails the write (nothing is kept). */
async function storeFile(blobs: BlobStore, key: string, part: MultipartFile, maxBytes: number): Promise<void> {
  // Busboy ends an oversized part early (truncated) rather than failing it: fail the write instead,
  // so the blob store never renames the partial file into place.
  part.file.once('limit', () => part.file.destroy(tooLarge(part.filename, maxBytes)));
  await blobs.put(key, part.file, { contentType: 'application/zip' });
  if (part.file.truncated) throw tooLarge(part.filename, maxBytes);
}

const tooLarge = (filename: string, maxBytes: number) =>
  new ApiError(
    413,
    'payload_too_large',
    `The file "${filename}" is larger than the ${formatBytes(maxBytes)} this server accepts for an upload.`,
  );

async function discardUpload(deps: UploadDeps, datasetId: string, error: unknown, request: FastifyRequest): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  // Shown in the dataset's validation report like a refused zip; the web translates the code.
  const problem: Problem = { file: '', code: 'upload_failed', params: { reason: message }, message: `The upload failed: ${message}` };
  try {
    await deps.db
      .update(datasets)
      .set({
        status: 'invalid',
        report: { problems: [problem] },
        updatedAt: new Date(),
      })
      .where(eq(datasets.id, datasetId));
    await deps.blobs.deletePrefix(`datasets/${datasetId}/`);
  } catch (cleanupError) {
    request.log.error({ err: cleanupError, datasetId }, 'could not clean up a failed upload');
  }
}
