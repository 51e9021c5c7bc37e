/** Blob keys (docs/contracts.md, "Blob keys"), built in one place. */
export function uploadKey(dataset: { blobPrefix: string }): string {
  return `${trim(dataset.blobPrefix)}/upload.zip`;
}

/** The canonical-manifest folder of a dataset (uploaded or derived). */
export function normalizedPrefix(dataset: { blobPrefix: string }): string {
  return `${trim(dataset.blobPrefix)}/normalized`;
}

export function stagePrefix(runId: string, nodeId: string): string {
  return `runs/${runId}/stages/${nodeId}`;
}

/**
 * The latest checkpoint of a stage's training, copied there after every epoch so any worker can
 * resume it (the Batch trainer keeps its own the same way).
 */
export function stageCheckpointKey(runId: string, nodeId: string): string {
  return `${stagePrefix(runId, nodeId)}/checkpoint/checkpoint.pt`;
}

export function modelPrefix(modelId: string): string {
  return `models/${modelId}`;
}

export function bundleKey(runId: string): string {
  return `bundles/${runId}.zip`;
}

function trim(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}
