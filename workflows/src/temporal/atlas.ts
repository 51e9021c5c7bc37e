/**
 * The model atlas's workflow (docs/contracts.md "Model atlas"): one per deployment, woken by
 * `atlasModelsChanged` whenever models become ready. Each step signs a bounded batch of new models
 * and computes only the pairs that have no distance yet, so adding one model to an atlas of N costs
 * one signature and N distances. It ends after a quiet spell and is started again by the next signal.
 * Deterministic like workflows.ts, which re-exports it so workers bundle one file.
 */
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AtlasActivities, AtlasStep } from './activity-contract.ts';
import { atlasModelsChangedSignal } from './messages.ts';

export interface AtlasWorkflowInput {
  /** How long to wait for another change before ending (default 10 minutes). */
  idleMs?: number;
  /** Models signed per step (one trainer job; default 8). */
  maxModels?: number;
  /** Distances per step (default 20,000). */
  maxPairs?: number;
  /** Totals carried over a continue-as-new. */
  totals?: AtlasTotals;
}

export interface AtlasTotals {
  steps: number;
  signed: number;
  unplaced: number;
  pairs: number;
}

const { updateAtlas } = proxyActivities<AtlasActivities>({
  // A step is one trainer job over a bounded batch; heartbeats carry its progress.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** Steps before the history is cut with continue-as-new. */
const STEPS_PER_RUN = 200;

export async function atlasWorkflow(input: AtlasWorkflowInput = {}): Promise<AtlasTotals> {
  const totals: AtlasTotals = input.totals ?? { steps: 0, signed: 0, unplaced: 0, pairs: 0 };
  // Started by the signal itself (signal-with-start), so the first step always runs.
  let wanted = true;
  setHandler(atlasModelsChangedSignal, () => {
    wanted = true;
  });
  for (let steps = 0; ; steps++) {
    if (!wanted && !(await condition(() => wanted, input.idleMs ?? 600_000))) return totals;
    if (steps >= STEPS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof atlasWorkflow>({ ...input, totals });
    }
    wanted = false;
    const step: AtlasStep = await updateAtlas({ maxModels: input.maxModels ?? 8, maxPairs: input.maxPairs ?? 20_000 });
    totals.steps += 1;
    totals.signed += step.signed;
    totals.unplaced += step.unplaced;
    totals.pairs += step.pairs;
    // More waiting than one step takes: go on at once. A step that made no progress waits for the
    // next signal instead of spinning on work it cannot do.
    if ((step.remainingModels > 0 || step.remainingPairs > 0) && step.signed + step.unplaced + step.pairs > 0) wanted = true;
  }
}
