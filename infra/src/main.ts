/**
 * The embedded all-in-one AIP process (`npm start`): the API, the web app and both workers in one
 * Node process, on the embedded defaults (PGlite, local blob folder, local trainer subprocess).
 * The Temporal dev server is started beside it by infra/scripts/start.sh.
 */
import { createActivities, installWorkerLogging, startWorkers } from '@aip/activities';
import { createLogger, loadConfig, tracingFromConfig } from '@aip/platform';
import { startApiServer } from './api-server.ts';
import { trainerRoot } from './paths.ts';
import { openServices } from './services.ts';

const config = loadConfig();
// The workers' log (the Temporal SDK's entries included) as JSON lines, like the API's request log.
const logger = createLogger({ name: 'aip-worker' });
installWorkerLogging(logger);
const tracing = tracingFromConfig(config, 'aip-worker');
const { database, blobs } = await openServices(config);
const api = await startApiServer(config, database.db, blobs, process.env.AIP_HOST ?? '127.0.0.1');
const workers = await startWorkers({
  address: config.temporal.address,
  namespace: config.temporal.namespace,
  activities: createActivities({ config, db: database.db, blobs, trainerRoot }),
  roles: ['orchestration', 'gpu'],
  taskQueues: config.taskQueues,
  gpus: config.gpus,
  gpuPools: config.gpuPools,
  trainingSlots: config.trainingSlots,
  log: (line) => logger.info(line),
  warn: (line) => logger.warn(line),
  ...(tracing ? { tracing } : {}),
});

const base = `http://127.0.0.1:${config.port}`;
console.log(`
AIP is running.
  Web app      ${base}/
  API          ${base}/api   (OpenAPI: ${base}/api/openapi.json)
  Temporal UI  http://127.0.0.1:8233/   (operators' view of every run)
  Sign in      as ${api.adminEmail}, ${api.passwordFile ? `password in ${api.passwordFile}
               (choose your own under Account; the file goes away then)` : 'with the password you chose'}
  API token    ${api.token ? `in ${api.tokenFile}` : '(set AIP_TOKEN to choose one)'}   (scripts: "Authorization: Bearer <token>")
Stop with Ctrl-C.
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await api.close();
  await workers.shutdown();
  await tracing?.shutdown();
  await database.close();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
await workers.done;
await stop();
