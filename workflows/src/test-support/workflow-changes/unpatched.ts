/**
 * Workflow code as it would look after a careless change: stageWorkflow records an extra state
 * before its first step, not behind `patched()`. Replaying recorded histories must reject it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PlatformActivities } from '../../temporal/activity-contract.ts';
import { stageWorkflow as currentStageWorkflow, type StageWorkflowInput } from '../../temporal/workflows.ts';

export { ingestDatasetWorkflow, runFlowchartWorkflow } from '../../temporal/workflows.ts';

const { recordStage } = proxyActivities<PlatformActivities>({ startToCloseTimeout: '1 minute' });

export async function stageWorkflow(input: StageWorkflowInput) {
  await recordStage({ runId: input.runId, nodeId: input.stage.nodeId, state: 'pending' });
  return currentStageWorkflow(input);
}
