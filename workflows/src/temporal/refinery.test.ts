import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows, installQuietRuntime, temporalAddress } from '../test-support/temporal-harness.ts';
import type { RefineryActivities, RefineryJobInput } from './activity-contract.ts';
import { refineryTaskWorkflow, validateModelWorkflow } from './workflows.ts';

type Call = { name: keyof RefineryActivities; input: Record<string, unknown>; queue: string };

const job = (taskId: string, executor: 'local' | 'batch' = 'local'): RefineryJobInput => ({
  taskId,
  attempt: 1,
  algorithm: 'distill',
  teachers: [],
  studentArch: 'tiny_cnn',
  dataPrefix: 'datasets/ds/normalized',
  params: { epochs: 1 },
  executor,
});

/** Activities that record each call and the task queue it ran on; tests replace what they exercise. */
function activities(calls: Call[], overrides: Partial<RefineryActivities> = {}): RefineryActivities {
  const note = (name: keyof RefineryActivities, input: object) =>
    calls.push({ name, input: input as Record<string, unknown>, queue: Context.current().info.taskQueue });
  const base: RefineryActivities = {
    async recordRefinery(input) {
      note('recordRefinery', input);
    },
    async validateRefineryInputs(input) {
      note('validateRefineryInputs', input);
      return job(input.taskId);
    },
    async runRefineryJob(input) {
      note('runRefineryJob', input);
      return { prefix: `refinery/${input.job.taskId}/attempt-1/model`, metrics: { agreement: 0.9 } };
    },
    async evaluateRefinery(input) {
      note('evaluateRefinery', input);
      return { agreement: 0.85 };
    },
    async registerRefineryModel(input) {
      note('registerRefineryModel', input);
      return { modelId: `mdl_${input.job.taskId}` };
    },
    async validateUploadedModel(input) {
      note('validateUploadedModel', input);
      return { status: 'ready' };
    },
  };
  const wrapped = { ...base };
  for (const [name, fn] of Object.entries(overrides) as Array<[keyof RefineryActivities, (input: never) => Promise<unknown>]>) {
    (wrapped as Record<string, unknown>)[name] = async (input: never) => {
      note(name, input);
      return fn(input);
    };
  }
  return wrapped;
}

const phases = (calls: Call[]) => calls.filter((c) => c.name === 'recordRefinery').map((c) => c.input.phase);

describe('refinery workflows on the Temporal server (TEMPORAL_ADDRESS)', () => {
  let bundle: WorkflowBundle;
  let connection: Connection;
  let native: NativeConnection;
  let client: Client;

  beforeAll(async () => {
    installQuietRuntime();
    bundle = await bundleWorkflows();
    connection = await Connection.connect({ address: temporalAddress() });
    native = await NativeConnection.connect({ address: temporalAddress() });
    client = new Client({ connection, namespace: 'default' });
  });
  afterAll(async () => {
    await native?.close();
    await connection?.close();
  });

  /** An orchestration worker (workflows, every activity) and a GPU worker (runRefineryJob only) on fresh queues. */
  async function withWorkers<T>(acts: RefineryActivities, fn: (queues: { orchestration: string; gpu: string }) => Promise<T>): Promise<T> {
    const unique = randomUUID().slice(0, 8);
    const queues = { orchestration: `aip-refinery-orch-${unique}`, gpu: `aip-refinery-gpu-${unique}` };
    const common = { connection: native, namespace: 'default', shutdownGraceTime: '2s' } as const;
    const workers = [
      await Worker.create({ ...common, taskQueue: queues.orchestration, workflowBundle: bundle, activities: acts }),
      await Worker.create({ ...common, taskQueue: queues.gpu, activities: { runRefineryJob: acts.runRefineryJob } }),
    ];
    const running = Promise.all(workers.map((w) => w.run()));
    try {
      return await fn(queues);
    } finally {
      for (const w of workers) w.shutdown();
      await running;
    }
  }

  it('runs a task through its phases, training on the GPU queue, and merges the evaluation into its metrics', async () => {
    const calls: Call[] = [];
    const result = await withWorkers(activities(calls), (queues) =>
      client.workflow.execute(refineryTaskWorkflow, {
        taskQueue: queues.orchestration,
        workflowId: `refinery-rt_ok-${randomUUID()}`,
        args: [{ taskId: 'rt_ok', attempt: 1, gpuTaskQueue: queues.gpu }],
      }),
    );
    expect(result).toEqual({ modelId: 'mdl_rt_ok', metrics: { agreement: 0.9, evaluation: { agreement: 0.85 } } });
    expect(phases(calls)).toEqual(['preparing', 'training', 'evaluating', 'registering', 'succeeded']);
    expect(calls.find((c) => c.name === 'runRefineryJob')!.queue).toMatch(/^aip-refinery-gpu-/);
    expect(calls.at(-1)!.input).toMatchObject({ phase: 'succeeded', outputModelId: 'mdl_rt_ok', metrics: result.metrics });
  });

  it('follows a Batch job from the orchestration queue', async () => {
    const calls: Call[] = [];
    await withWorkers(activities(calls, { validateRefineryInputs: async ({ taskId }) => job(taskId, 'batch') }), (queues) =>
      client.workflow.execute(refineryTaskWorkflow, {
        taskQueue: queues.orchestration,
        workflowId: `refinery-rt_batch-${randomUUID()}`,
        args: [{ taskId: 'rt_batch', attempt: 1, gpuTaskQueue: queues.gpu }],
      }),
    );
    expect(calls.find((c) => c.name === 'runRefineryJob')!.queue).toMatch(/^aip-refinery-orch-/);
  });

  it("records a user's error as failed without retrying it", async () => {
    const calls: Call[] = [];
    const refused = ApplicationFailure.create({ type: 'UserError', nonRetryable: true, message: 'Model "x" failed its check and cannot be used.' });
    const error = await withWorkers(
      activities(calls, {
        validateRefineryInputs: async () => {
          throw refused;
        },
      }),
      (queues) =>
        client.workflow
          .execute(refineryTaskWorkflow, { taskQueue: queues.orchestration, workflowId: `refinery-rt_bad-${randomUUID()}`, args: [{ taskId: 'rt_bad', attempt: 1, gpuTaskQueue: queues.gpu }] })
          .catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(calls.filter((c) => c.name === 'validateRefineryInputs')).toHaveLength(1);
    expect(phases(calls)).toEqual(['preparing', 'failed']);
    expect(calls.at(-1)!.input).toMatchObject({ phase: 'failed', failureType: 'UserError', message: 'Model "x" failed its check and cannot be used.' });
  });

  it('records a cancellation during training as cancelled', async () => {
    const calls: Call[] = [];
    let training = false;
    await withWorkers(
      activities(calls, {
        runRefineryJob: async () => {
          training = true;
          const context = Context.current();
          for (;;) {
            context.heartbeat();
            await context.sleep(100);
          }
        },
      }),
      async (queues) => {
        const handle = await client.workflow.start(refineryTaskWorkflow, {
          taskQueue: queues.orchestration,
          workflowId: `refinery-rt_cancel-${randomUUID()}`,
          args: [{ taskId: 'rt_cancel', attempt: 1, gpuTaskQueue: queues.gpu, heartbeatTimeoutMs: 2_000 }],
        });
        const deadline = Date.now() + 15_000;
        while (!training && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        await handle.cancel();
        await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      },
    );
    expect(phases(calls)).toEqual(['preparing', 'training', 'cancelled']);
  });

  it('validates an uploaded model', async () => {
    const calls: Call[] = [];
    const result = await withWorkers(activities(calls), (queues) =>
      client.workflow.execute(validateModelWorkflow, { taskQueue: queues.orchestration, workflowId: `validate-model-${randomUUID()}`, args: [{ modelId: 'mdl_up' }] }),
    );
    expect(result).toEqual({ status: 'ready' });
    expect(calls.map((c) => c.name)).toEqual(['validateUploadedModel']);
  });
});
