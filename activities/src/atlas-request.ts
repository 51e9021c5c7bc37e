/** Waking the model atlas when models become ready (docs/contracts.md "Model atlas"). */
import { getClient, log } from '@temporalio/activity';
import { ATLAS_WORKFLOW, atlasModelsChangedSignal, atlasWorkflowId } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';

/**
 * Asks this deployment's atlas workflow to look for new models (starting it when none runs). Called
 * when a model becomes ready; a failure only delays the atlas until the next change or visit, so it
 * is logged, never thrown.
 */
export async function requestAtlasUpdate(deps: ActivityDeps): Promise<void> {
  const taskQueue = deps.config.taskQueues.orchestration;
  let client: ReturnType<typeof getClient>;
  try {
    client = getClient();
  } catch {
    return; // called outside an activity (a test calling it directly): there is no Temporal to tell
  }
  try {
    await client.workflow.signalWithStart(ATLAS_WORKFLOW, {
      workflowId: atlasWorkflowId(taskQueue),
      taskQueue,
      signal: atlasModelsChangedSignal,
      args: [{}],
    });
  } catch (error) {
    log.warn('could not ask the model atlas to update; it catches up on the next change', { error: String(error) });
  }
}
