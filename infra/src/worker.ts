/**
 * A worker process on its own (production topology, and the tests that kill a worker):
 * `AIP_WORKER_ROLES=orchestration,gpu` (default both). A GPU worker trains on AIP_GPUS (default:
 * the GPUs nvidia-smi lists), one job per GPU, for the pools of AIP_GPU_POOLS.
 * AIP_WORKER_IDENTITY names it in Temporal's histories (default `<pid>@<host>`); AIP_HEALTH_PORT
 * serves /healthz, /readyz and /metrics (worker-http.ts). It logs JSON lines (the Temporal SDK's
 * entries too) and traces with OTEL_EXPORTER_OTLP_ENDPOINT (service `aip-worker`).
 */
import { createActivities, installWorkerLogging, startWorkers, TrainingSlotsError, type WorkerRole, type WorkerSet } from '@aip/activities';
import { checkReadiness, createLogger, loadConfig, renderMetrics, serviceProbes, tracingFromConfig } from '@aip/platform';
import { openServices } from './services.ts';
import { trainerRoot } from './paths.ts';
import { startWorkerHttp } from './worker-http.ts';

const config = loadConfig();
const logger = createLogger({ name: 'aip-worker' });
installWorkerLogging(logger);
const tracing = tracingFromConfig(config, 'aip-worker');
const roles = (process.env.AIP_WORKER_ROLES ?? 'orchestration,gpu')
  .split(',')
  .map((role) => role.trim())
  .filter(Boolean) as WorkerRole[];
for (const role of roles) {
  if (role !== 'orchestration' && role !== 'gpu') {
    console.error(`AIP_WORKER_ROLES: unknown role "${role}" (expected orchestration and/or gpu)`);
    process.exit(2);
  }
}
const identity = process.env.AIP_WORKER_IDENTITY?.trim() || undefined;

const { database, blobs } = await openServices(config);
let workers: WorkerSet;
try {
  workers = await startWorkers({
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    activities: createActivities({ config, db: database.db, blobs, trainerRoot }),
    roles,
    taskQueues: config.taskQueues,
    gpus: config.gpus,
    gpuPools: config.gpuPools,
    trainingSlots: config.trainingSlots,
    ...(identity ? { identity } : {}),
    log: (line) => logger.info(line),
    warn: (line) => logger.warn(line),
    ...(tracing ? { tracing } : {}),
  });
} catch (error) {
  if (!(error instanceof TrainingSlotsError)) throw error;
  console.error(error.message);
  await database.close();
  process.exit(2);
}
const running = workers;

const http =
  config.healthPort === undefined
    ? undefined
    : await startWorkerHttp({
        port: config.healthPort,
        host: process.env.AIP_HOST,
        workers: () => running.states(),
        ready: () =>
          checkReadiness(serviceProbes(database.db, blobs, () => running.pingTemporal()), {
            onFailure: (dependency, error) => logger.warn({ dependency, err: error }, `readiness: ${dependency} does not answer`),
          }),
        metrics: () => renderMetrics(),
      });
logger.info(
  `AIP worker (${roles.join(', ')}${identity ? `, ${identity}` : ''}) polling ${config.temporal.address}` +
    (http ? `; health on port ${http.port}` : ''),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void running.shutdown());
}
try {
  await running.done;
} finally {
  await http?.close();
  await tracing?.shutdown();
  await database.close();
}
