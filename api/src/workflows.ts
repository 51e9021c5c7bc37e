/**
 * The API's only contact with Temporal: starting the workflows it owns, cancelling runs and
 * retrying their failed stages. The workflows are started by name (typed by their functions,
 * imported as types only), so the API never executes workflow code; the retry update's definition
 * is only its name and types.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Plan } from '@aip/workflows';
import type { AipConfig } from '@aip/platform';
import {
  ATLAS_WORKFLOW,
  AipOwner,
  atlasModelsChangedSignal,
  atlasWorkflowId,
  retryStageUpdate,
  runSearchAttributes,
  type atlasWorkflow,
  type ingestDatasetWorkflow,
  type refineryTaskWorkflow,
  type runFlowchartWorkflow,
  type validateModelWorkflow,
} from '@aip/workflows/temporal';

export const INGEST_WORKFLOW = 'ingestDatasetWorkflow';
export const RUN_WORKFLOW = 'runFlowchartWorkflow';

export const REFINERY_WORKFLOW = 'refineryTaskWorkflow';
export const VALIDATE_MODEL_WORKFLOW = 'validateModelWorkflow';

export const ingestWorkflowId = (datasetId: string) => `ingest-${datasetId}`;
/** One workflow per attempt of a refinery task (a retry is a new attempt). */
export const refineryWorkflowId = (taskId: string, attempt: number) => `refinery-${taskId}-${attempt}`;
export const validateModelWorkflowId = (modelId: string) => `validate-model-${modelId}`;

export interface WorkflowStarter {
  startIngest(datasetId: string): Promise<string>;
  /** The run's owner and flowchart become search attributes of its workflows (operators filter on them). */
  startRun(input: { runId: string; plan: Plan; heartbeatTimeoutMs: number; flowchartId: string; ownerId: string }): Promise<string>;
  /** Starts one attempt of a refinery task; resolves with its workflow id. */
  startRefinery(input: { taskId: string; attempt: number; heartbeatTimeoutMs: number; ownerId: string }): Promise<string>;
  /** Starts the check of an uploaded model. */
  startValidateModel(modelId: string): Promise<string>;
  /** Wakes the model atlas's workflow (starting it when none runs) to place models that wait. */
  refreshAtlas(): Promise<void>;
  /** Requests cancellation; false when the workflow does not exist (anymore). */
  cancel(workflowId: string): Promise<boolean>;
  /**
   * Runs a failed stage of a waiting run again. Throws `RetryRefusedError` with the workflow's
   * reason when the stage has not failed, the run does not wait for it, or the run has ended.
   */
  retryStage(workflowId: string, nodeId: string): Promise<void>;
}

/** The run workflow refused a retry (its validator's sentence), or the run is over. */
export class RetryRefusedError extends Error {
  override readonly name = 'RetryRefusedError';
}

/**
 * `searchAttributes`: whether the namespace has AIP's search attributes (ensureSearchAttributes);
 * without them runs start without, since Temporal refuses a start naming unknown ones.
 */
export function workflowStarter(client: Client, queues: AipConfig['taskQueues'], options: { searchAttributes?: boolean } = {}): WorkflowStarter {
  const taskQueue = queues.orchestration;
  const searchAttributes = options.searchAttributes ?? true;
  return {
    async startIngest(datasetId) {
      const handle = await client.workflow.start<typeof ingestDatasetWorkflow>(INGEST_WORKFLOW, {
        taskQueue,
        workflowId: ingestWorkflowId(datasetId),
        args: [{ datasetId }],
      });
      return handle.workflowId;
    },
    async startRun({ runId, plan, heartbeatTimeoutMs, flowchartId, ownerId }) {
      // The workflow id is the run id: the Temporal UI and the API name a run the same way.
      const handle = await client.workflow.start<typeof runFlowchartWorkflow>(RUN_WORKFLOW, {
        taskQueue,
        workflowId: runId,
        ...(searchAttributes ? { typedSearchAttributes: runSearchAttributes({ runId, flowchartId, ownerId }) } : {}),
        // Training goes to the GPU workers' queue of this deployment.
        args: [{ runId, plan, heartbeatTimeoutMs, gpuTaskQueue: queues.gpu }],
      });
      return handle.workflowId;
    },
    async startRefinery({ taskId, attempt, heartbeatTimeoutMs, ownerId }) {
      const handle = await client.workflow.start<typeof refineryTaskWorkflow>(REFINERY_WORKFLOW, {
        taskQueue,
        workflowId: refineryWorkflowId(taskId, attempt),
        // Operators find a user's tasks as they find their runs (the workflow never changes it).
        ...(searchAttributes ? { typedSearchAttributes: [{ key: AipOwner, value: ownerId }] } : {}),
        args: [{ taskId, attempt, heartbeatTimeoutMs, gpuTaskQueue: queues.gpu }],
      });
      return handle.workflowId;
    },
    async startValidateModel(modelId) {
      const handle = await client.workflow.start<typeof validateModelWorkflow>(VALIDATE_MODEL_WORKFLOW, {
        taskQueue,
        workflowId: validateModelWorkflowId(modelId),
        args: [{ modelId }],
      });
      return handle.workflowId;
    },
    async refreshAtlas() {
      await client.workflow.signalWithStart<typeof atlasWorkflow>(ATLAS_WORKFLOW, {
        taskQueue,
        workflowId: atlasWorkflowId(taskQueue),
        signal: atlasModelsChangedSignal,
        args: [{}],
      });
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
    async retryStage(workflowId, nodeId) {
      try {
        await client.workflow.getHandle(workflowId).executeUpdate(retryStageUpdate, { args: [{ nodeId }] });
      } catch (error) {
        // The validator's rejection carries the reason as its cause.
        if (error instanceof WorkflowUpdateFailedError) throw new RetryRefusedError(error.cause?.message ?? error.message);
        if (error instanceof WorkflowNotFoundError) throw new RetryRefusedError(`Run ${workflowId} is no longer running.`);
        throw error;
      }
    },
  };
}
