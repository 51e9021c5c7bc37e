/**
 * Replays the committed histories (recorded by scripts/record-histories.ts) against the current
 * workflow code. A failure here means a change would break workflows already running: put it
 * behind `patched()` (see the two changed variants below for what fails and what passes).
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installQuietRuntime } from '../test-support/temporal-harness.ts';
import { workflowsPath } from './workflows-path.ts';

const historiesDir = new URL('./histories/', import.meta.url);
const changed = (name: string) => fileURLToPath(new URL(`../test-support/workflow-changes/${name}.ts`, import.meta.url));
const bundle = (path: string) => bundleWorkflowCode({ workflowsPath: path, logger: new DefaultLogger('ERROR') });

async function histories(): Promise<{ file: string; history: unknown }[]> {
  const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => ({ file, history: JSON.parse(await readFile(new URL(file, historiesDir), 'utf8')) as unknown })));
}

describe('workflow history replay', () => {
  let current: WorkflowBundle;
  beforeAll(async () => {
    installQuietRuntime();
    current = await bundle(workflowsPath);
  });

  it('replays every recorded history with the current workflow code', async () => {
    const recorded = await histories();
    expect(recorded.map((h) => h.file)).toEqual([
      // Recorded with the labeling-in-aip patch: the detector waits for labels, then trains on them.
      'headline-labeled.run.json',
      'headline-labeled.stage-detect.json',
      // Recorded with the search-attributes patch: started as the API starts runs, the stages get the
      // run's search attributes and upsert AipStageState at each state they record.
      'headline-search-attributes.run.json',
      'headline-search-attributes.stage-detect.json',
      'headline-stage-failed.run.json',
      'headline-stage-failed.stage-detect.json',
      // Recorded with the retry-failed-stage patch: the detector fails, waits, is retried by the update.
      'headline-stage-retried.run.json',
      'headline-succeeded.run.json',
      'headline-succeeded.stage-detect.json',
    ]);
    for (const { file, history } of recorded) {
      await expect(Worker.runReplayHistory({ workflowBundle: current }, history), file).resolves.toBeUndefined();
    }
  });

  it('rejects a workflow change made without patched(), and accepts it behind patched()', async () => {
    const stageHistory = (await histories()).find((h) => h.file === 'headline-succeeded.stage-detect.json')!.history;
    const [unpatched, patched] = await Promise.all([bundle(changed('unpatched')), bundle(changed('patched'))]);
    await expect(Worker.runReplayHistory({ workflowBundle: unpatched }, stageHistory)).rejects.toThrow(/nondetermini/i);
    await expect(Worker.runReplayHistory({ workflowBundle: patched }, stageHistory)).resolves.toBeUndefined();
  });
});
