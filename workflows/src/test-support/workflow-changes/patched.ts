/**
 * The same change done right: behind `patched()`, so histories recorded before it replay
 * unchanged while new executions take the new path.
 */
import { patched, proxyActivities } from '@temporalio/workflow';
import type { PlatformActivities } from '../../temporal/activity-contract.ts';
import { stageWorkflow as currentStageWorkflow, type StageWorkflowInput } from '../../temporal/workflows.ts';

export { ingestDatasetWorkflow, runFlowchartWorkflow } from '../../temporal/workflows.ts';

const { recordStage } = proxyActivities<PlatformActivities>({ startToCloseTimeout: '1 minute' });

export async function stageWorkflow(input: StageWorkflowInput) {
  if (patched('record-pending-state')) {
    await recordStage({ runId: input.runId, nodeId: input.stage.nodeId, state: 'pending' });
  }
  return currentStageWorkflow(input);
}
