import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows, connectHarness, type TemporalHarness } from '../test-support/temporal-harness.ts';
import type { AtlasActivities, AtlasStep } from './activity-contract.ts';
import { ATLAS_WORKFLOW, atlasModelsChangedSignal, atlasWorkflowId } from './messages.ts';
import type { atlasWorkflow } from './workflows.ts';

const step = (over: Partial<AtlasStep>): AtlasStep => ({ signed: 0, unplaced: 0, pairs: 0, remainingModels: 0, remainingPairs: 0, seconds: 0, ...over });

describe('atlas workflow on the Temporal server (TEMPORAL_ADDRESS)', () => {
  let harness: TemporalHarness;
  let client: Client;

  beforeAll(async () => {
    harness = await connectHarness(await bundleWorkflows());
    client = harness.client;
  });
  afterAll(async () => {
    await harness?.close();
  });

  const withWorker = <T>(acts: AtlasActivities, fn: (queue: string) => Promise<T>) => harness.withWorker(acts, fn);

  const wake = (queue: string, idleMs: number) =>
    client.workflow.signalWithStart<typeof atlasWorkflow>(ATLAS_WORKFLOW, {
      taskQueue: queue,
      workflowId: atlasWorkflowId(queue),
      signal: atlasModelsChangedSignal,
      args: [{ idleMs, maxModels: 2, maxPairs: 10 }],
    });

  it('steps while work remains, sums what each step did, and ends after a quiet spell', async () => {
    const inputs: Array<{ maxModels: number; maxPairs: number }> = [];
    const steps = [step({ signed: 2, pairs: 1, remainingModels: 1 }), step({ signed: 1, pairs: 2 })];
    const totals = await withWorker(
      {
        async updateAtlas(input) {
          inputs.push(input);
          return steps.shift() ?? step({});
        },
      },
      async (queue) => (await wake(queue, 500)).result(),
    );
    expect(inputs).toEqual([
      { maxModels: 2, maxPairs: 10 },
      { maxModels: 2, maxPairs: 10 },
    ]);
    expect(totals).toEqual({ steps: 2, signed: 3, unplaced: 0, pairs: 3 });
  });

  it('a change signalled while a step runs gets another step; a step that cannot progress waits instead of spinning', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const totals = await withWorker(
      {
        async updateAtlas() {
          calls += 1;
          if (calls === 1) await gate;
          // Work remains that this step could not do (say a model whose file is being written): no progress.
          return calls === 1 ? step({ signed: 1 }) : step({ remainingModels: 1 });
        },
      },
      async (queue) => {
        const handle = await wake(queue, 1_500);
        while (calls === 0) await new Promise((r) => setTimeout(r, 50));
        await wake(queue, 1_500); // a model became ready meanwhile
        release();
        return handle.result();
      },
    );
    expect(calls).toBe(2);
    expect(totals).toEqual({ steps: 2, signed: 1, unplaced: 0, pairs: 0 });
  });
});
