import { Writable } from 'node:stream';
import { ApplicationFailure, log } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { activityDuration, createLogger } from '@aip/platform';
import { PinoTemporalLogger, idsOfInput, idsOfWorkflow, observeActivity } from './observability.ts';

/** A pino logger whose JSON lines land in `lines`. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'aip-worker', level: 'debug', stream }) };
}

async function countOf(activity: string, outcome: string): Promise<number> {
  const { values } = await activityDuration.get();
  const count = values.find((v) => v.metricName === 'aip_activity_duration_seconds_count' && v.labels.activity === activity && v.labels.outcome === outcome);
  return count?.value ?? 0;
}

describe('worker observability', () => {
  it('finds the run and stage of an activity in its workflow id and its input', () => {
    expect(idsOfWorkflow('run_abc')).toEqual({ runId: 'run_abc' });
    expect(idsOfWorkflow('run_abc/detect')).toEqual({ runId: 'run_abc', nodeId: 'detect' });
    expect(idsOfWorkflow('run_abc/detect/retry-2')).toEqual({ runId: 'run_abc', nodeId: 'detect' });
    expect(idsOfWorkflow('ingest-ds_1')).toEqual({ datasetId: 'ds_1' });
    expect(idsOfInput({ runId: 'run_abc', stage: { nodeId: 'round-kind' } })).toEqual({ runId: 'run_abc', nodeId: 'round-kind' });
    expect(idsOfInput({ runId: 'run_abc', nodeId: 'detect', state: 'training' })).toEqual({ runId: 'run_abc', nodeId: 'detect' });
    expect(idsOfInput(undefined)).toEqual({});
  });

  it('counts a failed activity and puts the run and stage ids on every log line of it, as JSON', async () => {
    const { lines, logger } = capturedLogger();
    const env = new MockActivityEnvironment(
      { activityType: 'prepareStage', workflowExecution: { workflowId: 'run_obs/detect/retry-1', runId: 'temporal-run' } },
      { interceptors: [observeActivity], logger: new PinoTemporalLogger(logger) },
    );
    const failedBefore = await countOf('prepareStage', 'failed');
    const prepare = async (_input: { runId: string; stage: { nodeId: string } }) => {
      log.info('cutting crops', { crops: 12 });
      throw ApplicationFailure.create({ type: 'UserError', message: 'No box matched a labelled shape.' });
    };
    await expect(env.run(prepare, { runId: 'run_obs', stage: { nodeId: 'detect' } })).rejects.toThrow('No box matched');
    expect(await countOf('prepareStage', 'failed')).toBe(failedBefore + 1);

    const ours = lines.find((line) => line.msg === 'cutting crops');
    expect(ours).toMatchObject({ name: 'aip-worker', level: 30, runId: 'run_obs', nodeId: 'detect', activityType: 'prepareStage', crops: 12 });
    // The SDK's own line about the failure carries them too, with the error under `err`.
    const failed = lines.find((line) => line.msg === 'Activity failed');
    expect(failed).toMatchObject({ level: 40, runId: 'run_obs', nodeId: 'detect', workflowId: 'run_obs/detect/retry-1' });
    expect((failed!.err as { message: string }).message).toContain('No box matched');
    // The task token (it completes the activity from outside) never reaches the log.
    expect(failed!.taskToken).toBe('[redacted]');
  });

  it('counts a succeeded activity under its own outcome', async () => {
    const env = new MockActivityEnvironment({ activityType: 'recordStage' }, { interceptors: [observeActivity], logger: new PinoTemporalLogger(capturedLogger().logger) });
    const before = await countOf('recordStage', 'succeeded');
    await env.run(async () => undefined);
    expect(await countOf('recordStage', 'succeeded')).toBe(before + 1);
  });
});
