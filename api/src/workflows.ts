/**
 * The API's only contact with Temporal: starting the workflows it owns and cancelling runs. The
 * workflows are started by name (typed by their functions, imported as types only), so the API
 * never executes workflow code.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Plan } from '@aip/workflows';
import type { AipConfig } from '@aip/platform';
import type { ingestDatasetWorkflow, runFlowchartWorkflow } from '@aip/workflows/temporal';

export const INGEST_WORKFLOW = 'ingestDatasetWorkflow';
export const RUN_WORKFLOW = 'runFlowchartWorkflow';

export const ingestWorkflowId = (datasetId: string) => `ingest-${datasetId}`;

export interface WorkflowStarter {
  startIngest(datasetId: string): Promise<string>;
  startRun(input: { runId: string; plan: Plan; heartbeatTimeoutMs: number }): Promise<string>;
  /** Requests cancellation; false when the workflow does not exist (anymore). */
  cancel(workflowId: string): Promise<boolean>;
}

export function workflowStarter(client: Client, queues: AipConfig['taskQueues']): WorkflowStarter {
  const taskQueue = queues.orchestration;
  return {
    async startIngest(datasetId) {
      const handle = await client.workflow.start<typeof ingestDatasetWorkflow>(INGEST_WORKFLOW, {
        taskQueue,
        workflowId: ingestWorkflowId(datasetId),
        args: [{ datasetId }],
      });
      return handle.workflowId;
    },
    async startRun({ runId, plan, heartbeatTimeoutMs }) {
      // The workflow id is the run id: the Temporal UI and the API name a run the same way.
      const handle = await client.workflow.start<typeof runFlowchartWorkflow>(RUN_WORKFLOW, {
        taskQueue,
        workflowId: runId,
        // Training goes to the GPU workers' queue of this deployment.
        args: [{ runId, plan, heartbeatTimeoutMs, gpuTaskQueue: queues.gpu }],
      });
      return handle.workflowId;
    },
    async cancel(workflowId) {
      try {
        await client.workflow.getHandle(workflowId).cancel();
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}
