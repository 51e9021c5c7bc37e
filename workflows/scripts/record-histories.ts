/**
 * Records the workflow histories the replay test replays (src/temporal/histories/*.json).
 *
 * Run it only when a workflow change is meant to be incompatible with running workflows (that
 * is, almost never: wrap changes in `patched()` instead and keep the old histories replaying),
 * or to add a history for a new path:
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx workflows/scripts/record-histories.ts [NAME...]
 * With names (e.g. `headline-stage-retried`), only those histories are recorded: the others stay
 * as they are, recorded by the workflow code of their time.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { compileFlowchart } from '../src/compile.ts';
import { headlineContext, headlineFlowchart } from '../src/test-support/headline.ts';
import { recordingActivities } from '../src/test-support/recording-activities.ts';
import { bundleWorkflows, connectHarness } from '../src/test-support/temporal-harness.ts';
import { labelingCompleteSignal, retryStageUpdate, stageStatusQuery, statusQuery } from '../src/temporal/messages.ts';
import { runSearchAttributes } from '../src/temporal/search-attributes.ts';
import { runFlowchartWorkflow } from '../src/temporal/workflows.ts';

type RunHandle = Awaited<ReturnType<typeof harness.client.workflow.start<typeof runFlowchartWorkflow>>>;

const outDir = new URL('../src/temporal/histories/', import.meta.url);
const plan = compileFlowchart(headlineFlowchart(), headlineContext());
const harness = await connectHarness(await bundleWorkflows());
const only = process.argv.slice(2);

/**
 * Stack traces hold this machine's paths, worker identities and sticky queues its host and pid; replay needs neither,
 * and committed files must not carry them.
 */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (typeof value !== 'object' || value === null) return value;
  const sticky = (value as Record<string, unknown>).kind === 'TASK_QUEUE_KIND_STICKY';
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (key === 'stackTrace' && typeof v === 'string') return [key, ''];
      if (key === 'identity' && typeof v === 'string') return [key, 'history-recorder'];
      if (key === 'name' && sticky) return [key, 'history-recorder-sticky'];
      return [key, scrub(v)];
    }),
  );
}

/**
 * Runs the headline plan (`drive` plays the user's part while it runs); saves the run's history
 * and those of the named stage workflows. `searchAttributes`: started as the API starts runs, with
 * AIP's search attributes.
 */
async function record(
  name: string,
  activities: ReturnType<typeof recordingActivities>['activities'],
  stages: string[],
  drive: (handle: RunHandle) => Promise<void> = async () => {},
  options: { searchAttributes?: boolean } = {},
) {
  if (only.length > 0 && !only.includes(name)) return;
  await harness.withWorkers(activities, async (queues) => {
    const runId = `history-${name}-${randomUUID().slice(0, 8)}`;
    const handle = await harness.client.workflow.start(runFlowchartWorkflow, {
      taskQueue: queues.orchestration,
      workflowId: runId,
      args: [{ runId, plan, heartbeatTimeoutMs: 5_000, gpuTaskQueue: queues.gpu }],
      ...(options.searchAttributes ? { typedSearchAttributes: runSearchAttributes({ runId, flowchartId: 'fc_history', ownerId: 'usr_history' }) } : {}),
    });
    await drive(handle);
    await handle.result().catch(() => undefined); // failing runs are recorded too
    const handles = [handle, ...stages.map((s) => harness.client.workflow.getHandle(`${runId}/${s}`))];
    for (const [i, h] of handles.entries()) {
      const file = new URL(i === 0 ? `${name}.run.json` : `${name}.stage-${stages[i - 1]}.json`, outDir);
      const history = scrub(JSON.parse(historyToJSON(await h.fetchHistory())));
      await writeFile(file, `${JSON.stringify(history, null, 1)}\n`);
      console.log(`wrote ${file.pathname}`);
    }
  });
}

await record('headline-succeeded', recordingActivities().activities, ['detect']);
await record(
  'headline-stage-failed',
  recordingActivities({
    async trainStage({ stage }) {
      throw ApplicationFailure.create({ type: 'UserError', message: `Training "${stage.name}" found no usable image.` });
    },
  }).activities,
  ['detect'],
);
let detectTries = 0;
await record(
  'headline-stage-retried',
  recordingActivities({
    async trainStage({ runId, stage }) {
      if (stage.nodeId === 'detect' && detectTries++ === 0) {
        throw ApplicationFailure.create({ type: 'UserError', message: `Training "${stage.name}" found no usable image.` });
      }
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/out` };
    },
  }).activities,
  [],
  async (handle) => {
    while ((await handle.query(statusQuery)).status !== 'attention') await new Promise((resolve) => setTimeout(resolve, 100));
    await handle.executeUpdate(retryStageUpdate, { args: [{ nodeId: 'detect' }] });
  },
);
await record(
  'headline-labeled',
  recordingActivities({
    async prepareStage({ runId, stage }) {
      return { prefix: `runs/${runId}/stages/${stage.nodeId}/data`, images: 12, labeled: stage.nodeId !== 'detect', labelMap: {} };
    },
  }).activities,
  ['detect'],
  async (handle) => {
    // The detector waits for labels until people finish its labeling job.
    const stage = harness.client.workflow.getHandle(`${handle.workflowId}/detect`);
    const waiting = async () => (await stage.query(stageStatusQuery).catch(() => undefined))?.state === 'awaiting_labels';
    while (!(await waiting())) await new Promise((resolve) => setTimeout(resolve, 100));
    await stage.signal(labelingCompleteSignal, { labelingJobId: 'job-detect' });
  },
);
// Recorded with the search-attributes patch: the stages get the run's search attributes and upsert their state.
await record('headline-search-attributes', recordingActivities().activities, ['detect'], undefined, { searchAttributes: true });
await harness.close();
