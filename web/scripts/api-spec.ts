/**
 * The API's OpenAPI document and the TypeScript types generated from it, without any service: the
 * real app (`buildApp`) on an in-memory PGlite, a throwaway local blob folder and a Temporal client
 * whose lazy connection is never opened (building the document starts no workflow).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { buildApp } from '@aip/api';
import { LocalBlobStore, openDatabase } from '@aip/platform';

/** Where the generated types live (committed, so the web build needs no API at build time). */
export const API_TYPES_FILE = fileURLToPath(new URL('../src/lib/services/api-types.ts', import.meta.url));

export async function apiSpec(): Promise<OpenAPI3> {
  const database = await openDatabase('pglite://memory');
  const blobDir = await mkdtemp(path.join(os.tmpdir(), 'aip-web-openapi-'));
  const temporal = new Client();
  const app = buildApp({
    config: { heartbeatTimeoutMs: 60_000, taskQueues: { orchestration: 'unused', gpu: 'unused' }, temporal: { namespace: 'default', uiUrl: undefined } },
    db: database.db,
    blobs: new LocalBlobStore(blobDir),
    temporal,
  });
  try {
    await app.ready();
    // @fastify/swagger types its document as openapi-types' OpenAPIV3; the JSON is the same.
    return app.swagger() as unknown as OpenAPI3;
  } finally {
    await app.close();
    await temporal.connection.close().catch(() => {});
    await database.close();
    await rm(blobDir, { recursive: true, force: true });
  }
}

const HEADER = `/**
 * Generated from the API's OpenAPI document by \`npm run openapi -w web\` (web/scripts/openapi.ts).
 * Do not edit: change the API's route schemas and regenerate (a unit test fails when this is stale).
 */

`;

export async function apiTypesSource(): Promise<string> {
  const spec = await apiSpec();
  return HEADER + astToString(await openapiTS(spec));
}
