/**
 * The embedded all-in-one AIP process (`npm start`): the API, the web app and both workers in one
 * Node process, on the embedded defaults (PGlite, local blob folder, local trainer subprocess).
 * The Temporal dev server is started beside it by infra/scripts/start.sh.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createActivities, startWorkers } from '@aip/activities';
import { buildApp, ensureAdminToken } from '@aip/api';
import { loadConfig } from '@aip/platform';
import { openServices } from './services.ts';
import { trainerRoot } from './paths.ts';

const config = loadConfig();
const { database, blobs } = await openServices(config);

// The first start mints the admin's token and keeps it in AIP_HOME/token so later starts can
// print it again (only its hash is in the database).
const tokenFile = path.join(config.home, 'token');
const ensured = await ensureAdminToken(database.db, config.token);
await mkdir(config.home, { recursive: true });
if (ensured.token) await writeFile(tokenFile, `${ensured.token}\n`, { mode: 0o600 });
if (config.token) await writeFile(tokenFile, `${config.token}\n`, { mode: 0o600 });
const token = existsSync(tokenFile) ? (await readFile(tokenFile, 'utf8')).trim() : undefined;

const connection = await Connection.connect({ address: config.temporal.address });
const temporal = new Client({ connection, namespace: config.temporal.namespace });
const app = buildApp({ config, db: database.db, blobs, temporal, logger: true });
await app.listen({ port: config.port, host: process.env.AIP_HOST ?? '127.0.0.1' });

const workers = await startWorkers({
  address: config.temporal.address,
  namespace: config.temporal.namespace,
  activities: createActivities({ config, db: database.db, blobs, trainerRoot }),
  roles: ['orchestration', 'gpu'],
  taskQueues: config.taskQueues,
  trainingSlots: config.trainingSlots,
});

const base = `http://127.0.0.1:${config.port}`;
console.log(`
AIP is running.
  Web app      ${base}/
  API          ${base}/api   (OpenAPI: ${base}/api/openapi.json)
  Temporal UI  http://127.0.0.1:8233/   (operators' view of every run)
  Access token ${token ?? '(unknown: set AIP_TOKEN to choose one)'}
               (in ${tokenFile}; send it as "Authorization: Bearer <token>")
Stop with Ctrl-C.
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await app.close();
  await workers.shutdown();
  await connection.close();
  await database.close();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
await workers.done;
await stop();
