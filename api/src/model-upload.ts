/**
 * Receiving a model upload (POST /api/models): the text fields come first and are checked all at
 * once (a 400 names every bad field) before anything is stored; the file part then streams into
 * `models/<id>/upload/<name>` (never held whole in memory) and the validate-model workflow takes
 * over (status `validating` → `ready` | `invalid`). If storing fails, the row and bytes are removed.
 */
import type { FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { eq } from 'drizzle-orm';
import { formatBytes } from '@aip/datasets-spec';
import { ID_PREFIX, models, newId, type BlobStore, type Database } from '@aip/platform';
import { parseModelUploadFields, uploadFileProblem, type ModelUpload, type ModelUploadFields } from '@aip/workflows';
import { ApiError } from './errors.ts';
import type { WorkflowStarter } from './workflows.ts';

interface ModelUploadDeps {
  db: Database;
  blobs: BlobStore;
  userId: string;
  workflows: WorkflowStarter;
  maxBytes: number;
}

const FIELDS = new Set(['name', 'format', 'task', 'arch', 'classes', 'inputHeight', 'inputWidth', 'colorSpace', 'valueRange', 'mean', 'std', 'visibility']);

/** The uploaded file's name reduced to characters safe in a blob key (the extension kept). */
export function storedFileName(fileName: string): string {
  const last = fileName.split(/[\\/]/).pop() ?? fileName;
  const safe = last.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-120);
  return safe || 'model';
}

/** Returns the new model's id once its file is stored and its check started. */
export async function receiveModelUpload(request: FastifyRequest, deps: ModelUploadDeps): Promise<string> {
  const fields: ModelUploadFields = {};
  let modelId: string | undefined;
  try {
    for await (const part of request.parts({ limits: { fileSize: deps.maxBytes } })) {
      if (part.type === 'field') {
        if (modelId !== undefined) {
          throw new ApiError(400, 'field_after_file', `The field "${part.fieldname}" came after the file: send every field before the part "file".`);
        }
        if (FIELDS.has(part.fieldname) && typeof part.value === 'string') fields[part.fieldname as keyof ModelUploadFields] = part.value;
        continue;
      }
      if (part.fieldname !== 'file') {
        throw new ApiError(400, 'unexpected_part', `Unexpected file part "${part.fieldname}": send the model in the part named "file".`);
      }
      if (modelId !== undefined) throw new ApiError(400, 'one_file_per_upload', 'Send one model file per upload (the part "file" came twice).');
      const upload = checkedFields(fields);
      const fileProblem = uploadFileProblem(upload.format, part.filename);
      if (fileProblem) throw new ApiError(400, 'invalid_model_upload', fileProblem, [{ field: 'file', message: fileProblem }]);
      modelId = newId(ID_PREFIX.model);
      await deps.db.insert(models).values({
        id: modelId,
        ownerId: deps.userId,
        name: upload.name,
        task: upload.task,
        arch: upload.arch,
        classes: upload.classes,
        blobPrefix: `models/${modelId}/`,
        visibility: upload.visibility,
        origin: 'upload',
        status: 'validating',
        format: upload.format,
        input: upload.input,
      });
      await storeFile(deps.blobs, `models/${modelId}/upload/${storedFileName(part.filename)}`, part, deps.maxBytes);
    }
    if (modelId === undefined) {
      checkedFields(fields); // bad fields are the first thing to fix
      throw new ApiError(400, 'missing_file', 'The upload has no file: send the model as the multipart file part "file", after the fields.');
    }
    await deps.workflows.startValidateModel(modelId);
    return modelId;
  } catch (caught) {
    const error = (caught as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge(deps.maxBytes) : caught;
    if (modelId !== undefined) await discard(deps, modelId, request);
    throw error;
  }
}

function checkedFields(fields: ModelUploadFields): ModelUpload {
  const parsed = parseModelUploadFields(fields);
  if (parsed.upload) return parsed.upload;
  const problems = parsed.problems;
  const message =
    problems.length === 1
      ? `${problems[0]!.field}: ${problems[0]!.message}`
      : `The upload has ${problems.length} problems:\n${problems.map((p) => `- ${p.field}: ${p.message}`).join('\n')}`;
  throw new ApiError(400, 'invalid_model_upload', message, problems);
}

async function storeFile(blobs: BlobStore, key: string, part: MultipartFile, maxBytes: number): Promise<void> {
  // Busboy ends an oversized part early (truncated): fail the write so no partial file is kept.
  part.file.once('limit', () => part.file.destroy(tooLarge(maxBytes)));
  await blobs.put(key, part.file, { contentType: 'application/octet-stream' });
  if (part.file.truncated) throw tooLarge(maxBytes);
}

const tooLarge = (maxBytes: number) =>
  new ApiError(413, 'payload_too_large', `The model file is larger than the ${formatBytes(maxBytes)} this server accepts for an upload.`);

async function discard(deps: ModelUploadDeps, modelId: string, request: FastifyRequest): Promise<void> {
  try {
    await deps.blobs.deletePrefix(`models/${modelId}/`);
    await deps.db.delete(models).where(eq(models.id, modelId));
  } catch (error) {
    request.log.error({ err: error, modelId }, 'could not clean up a failed model upload');
  }
}
