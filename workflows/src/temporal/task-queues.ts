/**
 * Task queues: orchestration workers run the workflows and every activity but training; GPU
 * workers (one per GPU host) poll `gpu` and run only `trainStage`.
 */
export const TASK_QUEUES = { orchestration: 'aip-orchestration', gpu: 'aip-gpu' } as const;
