/**
 * GPU pools: a node's `pool` names the group of GPU workers its training runs on (say, `a100`);
 * each pool is one Temporal task queue, served by the GPU workers started with that pool in
 * AIP_GPU_POOLS. Nodes without a pool train on `default`, the plain GPU queue.
 */
export const DEFAULT_POOL = 'default';

/** Pool names become parts of task queue names: short, lower case, no separators but '-'. */
export const POOL_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const POOL_NAME_RULE = 'lower-case letters, digits and "-", at most 40 characters, starting with a letter or digit';

/** The task queue of a pool, given the deployment's GPU queue (`aip-gpu` → `aip-gpu-a100`). */
export function gpuTaskQueue(gpuQueue: string, pool: string | undefined): string {
  return pool === undefined || pool === DEFAULT_POOL ? gpuQueue : `${gpuQueue}-${pool}`;
}
