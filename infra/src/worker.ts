/**
 * A worker process on its own (production topology, and the tests that kill a worker):
 * `AIP_WORKER_ROLES=orchestration,gpu` (default both).
 */
import { createActivities, startWorkers, type WorkerRole } from '@aip/activities';
import { loadConfig } from '@aip/platform';
import { openServices } from './services.ts';
import { trainerRoot } from './paths.ts';

const config = loadConfig();
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

const { database, blobs } = await openServices(config);
const workers = await startWorkers({
  address: config.temporal.address,
  namespace: config.temporal.namespace,
  activities: createActivities({ config, db: database.db, blobs, trainerRoot }),
  roles,
  taskQueues: config.taskQueues,
  trainingSlots: config.trainingSlots,
});
console.log(`AIP worker (${roles.join(', ')}) polling ${config.temporal.address}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void workers.shutdown());
}
await workers.done;
await database.close();
