export { createActivities } from './create-activities.ts';
export type { ActivityDeps } from './deps.ts';
export { startWorkers, type WorkerRole, type WorkerSet, type WorkerSetOptions } from './worker.ts';
export { TrainingSlotsError } from './gpus.ts';
export { PinoTemporalLogger, idsOfInput, idsOfWorkflow, installWorkerLogging, observeActivity } from './observability.ts';
