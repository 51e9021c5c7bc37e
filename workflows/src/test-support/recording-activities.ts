/**
 * Test-local implementations of the activity contract: plain functions that record every call
 * (with start/end sequence numbers, to check order and overlap) and return plausible results.
 * Tests replace individual activities to inject failures, delays and barriers. They exercise the
 * workflow logic only; the real activities are @aip/activities' business.
 */
import type { PlatformActivities } from '../temporal/activity-contract.ts';

export type ActivityName = keyof PlatformActivities;

export interface ActivityCall {
  name: ActivityName;
  input: Record<string, unknown>;
  start: number;
  end?: number;
  outcome?: 'ok' | 'error';
  error?: string;
}

export type ActivityOverrides = { [K in ActivityName]?: PlatformActivities[K] };

export function defaultActivities(): PlatformActivities {
  return {
    async ingestDataset() {
      return { status: 'ready' };
    },
    async recordRun() {},
    async recordStage() {},
    async prepareStage({ runId, stage }) {
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 12, labeled: true, labelMap: stage.labelMap };
    },
    async openLabelingJob({ stage }) {
      return { jobId: `job-${stage.nodeId}`, items: 12, labeled: 0, completed: false };
    },
    async importLabels({ runId, stage }) {
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/labeled`, images: 12, labeled: true, labelMap: {} };
    },
    async trainStage({ runId, stage }) {
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/out` };
    },
    async evaluateStage({ stage }) {
      return stage.task === 'detection' ? { mAP50: 0.9 } : { accuracy: 0.95 };
    },
    async registerModel({ stage }) {
      return { modelId: `model-${stage.nodeId}` };
    },
    async resolveModel({ modelId }) {
      return { prefix: `models/${modelId}` };
    },
    async packageBundle({ runId }) {
      return { bundleKey: `bundles/${runId}.zip`, size: 1234, sha256: 'f'.repeat(64) };
    },
    async evaluateCascade() {
      return { images: 6, accuracy: 0.9 };
    },
  };
}

export function recordingActivities(overrides: ActivityOverrides = {}) {
  const calls: ActivityCall[] = [];
  let clock = 0;
  const implementations = { ...defaultActivities(), ...overrides } as Record<ActivityName, (input: never) => Promise<unknown>>;
  const activities = Object.fromEntries(
    (Object.keys(implementations) as ActivityName[]).map((name) => [
      name,
      async (input: Record<string, unknown>) => {
        const call: ActivityCall = { name, input, start: ++clock };
        calls.push(call);
        try {
          const result = await implementations[name](input as never);
          Object.assign(call, { end: ++clock, outcome: 'ok' });
          return result;
        } catch (err) {
          Object.assign(call, { end: ++clock, outcome: 'error', error: err instanceof Error ? err.message : String(err) });
          throw err;
        }
      },
    ]),
  ) as unknown as PlatformActivities;
  return { activities, calls };
}

/** Calls of one activity, optionally for one stage (`input.stage.nodeId` or `input.nodeId`). */
export function callsOf(calls: ActivityCall[], name: ActivityName, nodeId?: string): ActivityCall[] {
  return calls.filter((c) => {
    if (c.name !== name) return false;
    if (nodeId === undefined) return true;
    const stage = c.input.stage as { nodeId?: string } | undefined;
    return (stage?.nodeId ?? c.input.nodeId) === nodeId;
  });
}
