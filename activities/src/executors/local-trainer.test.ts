import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrainerJob, TrainerError, type TrainerJob } from './local-trainer.ts';

// A stand-in interpreter: the executor's process handling (events, exit codes, logs, cancel) is
// what is under test here; the real trainer runs in the trainer's own tests and the e2e test.
const FAKE = `#!/usr/bin/env bash
case "$FAKE_MODE" in
  ok)
    echo '{"event": "start", "epochs": 2, "device": "cpu"}'
    echo 'a log line on stderr' >&2
    echo '{"event": "epoch", "epoch": 1, "epochs": 2, "loss": 0.5, "metric": 0.7}'
    echo '{"event": "done", "metrics": {"accuracy": 0.9}}' ;;
  user)
    echo '{"event": "error", "message": "class cat has no images", "userError": true}'
    exit 2 ;;
  crash)
    echo 'Traceback: boom' >&2
    exit 1 ;;
  slow)
    echo '{"event": "start", "epochs": 1, "device": "cpu"}'
    sleep 600 ;;
esac
`;

describe('local trainer executor', () => {
  let dir: string;
  let python: string;
  const job = (): TrainerJob => ({
    kind: 'train',
    task: 'classification',
    arch: 'tiny_cnn',
    classes: ['a', 'b'],
    labelMap: {},
    hyper: {},
    manifest: 'm.jsonl',
    imageRoot: '.',
    initWeights: null,
    model: null,
    output: path.join(dir, 'out'),
    device: 'cpu',
    seed: 0,
  });
  const run = (mode: string, signal?: AbortSignal, events: unknown[] = []) =>
    runTrainerJob(job(), {
      python,
      trainerRoot: dir,
      jobDir: path.join(dir, 'job'),
      env: { FAKE_MODE: mode },
      onEvent: (event) => events.push(event),
      ...(signal ? { signal } : {}),
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aip-executor-'));
    python = path.join(dir, 'fake-python');
    await writeFile(python, FAKE);
    await chmod(python, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes events on, returns the final metrics and keeps stdout and stderr in the log', async () => {
    const events: Array<{ event: string }> = [];
    const result = await run('ok', undefined, events);
    expect(result.metrics).toEqual({ accuracy: 0.9 });
    expect(events.map((e) => e.event)).toEqual(['start', 'epoch', 'done']);
    expect(await readFile(result.logFile, 'utf8')).toContain('a log line on stderr');
    expect(JSON.parse(await readFile(path.join(dir, 'job', 'train-job.json'), 'utf8')).arch).toBe('tiny_cnn');
  });

  it("reports the trainer's own message for user errors", async () => {
    const error = await run('user').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainerError);
    expect((error as TrainerError).userError).toBe(true);
    expect((error as TrainerError).message).toBe('class cat has no images');
  });

  it('reports a crash with its exit code and log tail, as retryable', async () => {
    const error = (await run('crash').catch((e: unknown) => e)) as TrainerError;
    expect(error.userError).toBe(false);
    expect(error.message).toMatch(/code 1/);
    expect(error.logTail).toContain('Traceback: boom');
  });

  // The stand-in sleeps for 10 minutes in a child process: only killing the whole process group
  // ends it within the test's timeout.
  it('kills the trainer and its children when the activity is cancelled', async () => {
    const controller = new AbortController();
    const pending = run('slow', controller.signal, []);
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toThrow(/cancelled/);
  });
});
