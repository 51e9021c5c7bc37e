/**
 * The API server as every AIP process that serves it starts it: the admin token ensured (and kept
 * in AIP_HOME/token so a restart can print it again; only its hash is in the database), a Temporal
 * client, the Fastify app listening.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildApp, ensureAdminToken } from '@aip/api';
import type { AipConfig, BlobStore, Database } from '@aip/platform';

export async function startApiServer(config: AipConfig, db: Database, blobs: BlobStore, host: string) {
  const tokenFile = path.join(config.home, 'token');
  const ensured = await ensureAdminToken(db, config.token);
  await mkdir(config.home, { recursive: true });
  const fresh = ensured.token ?? config.token;
  if (fresh) await writeFile(tokenFile, `${fresh}\n`, { mode: 0o600 });
  const token = existsSync(tokenFile) ? (await readFile(tokenFile, 'utf8')).trim() : undefined;

  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = buildApp({ config, db, blobs, temporal, logger: true });
  await app.listen({ port: config.port, host });
  return {
    token,
    tokenFile,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}
