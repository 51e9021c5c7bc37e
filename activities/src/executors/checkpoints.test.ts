import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobStore, type BlobStore } from '@aip/platform';
import { stageCheckpointKey } from '../keys.ts';
import { restoreCheckpoint, serialTask, stageCheckpoints } from './checkpoints.ts';

describe('training checkpoints in the blob store', () => {
  let dir: string;
  let blobs: BlobStore;
  const key = stageCheckpointKey('run_1', 'detect');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aip-checkpoints-'));
    blobs = await openBlobStore(`file://${path.join(dir, 'blobs')}`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keys a stage\'s checkpoint beside its model', () => {
    expect(key).toBe('runs/run_1/stages/detect/checkpoint/checkpoint.pt');
  });

  it('uploads after each epoch and restores on another host that has none, but never over a local one', async () => {
    const hostA = path.join(dir, 'a', 'out');
    await mkdir(hostA, { recursive: true });
    const errors: unknown[] = [];
    const first = await stageCheckpoints(blobs, key, hostA, (error) => errors.push(error));
    expect(first.restored).toBe(false);
    await writeFile(path.join(hostA, 'checkpoint.pt'), 'epoch 1');
    first.epochDone();
    await first.settled();
    await writeFile(path.join(hostA, 'checkpoint.pt'), 'epoch 2');
    first.epochDone();
    await first.settled();
    expect((await blobs.getBuffer(key)).toString()).toBe('epoch 2');
    expect(errors).toEqual([]);

    // Host B takes the stage over: it starts from host A's last epoch.
    const hostB = path.join(dir, 'b', 'out');
    const second = await stageCheckpoints(blobs, key, hostB, () => undefined);
    expect(second.restored).toBe(true);
    expect(await readFile(path.join(hostB, 'checkpoint.pt'), 'utf8')).toBe('epoch 2');
    expect(existsSync(path.join(hostB, `checkpoint.pt.partial-${process.pid}`))).toBe(false);

    // Host A's own retry keeps its local checkpoint.
    await writeFile(path.join(hostA, 'checkpoint.pt'), 'epoch 3 (not uploaded yet)');
    expect(await restoreCheckpoint(blobs, key, hostA)).toBe(false);
    expect(await readFile(path.join(hostA, 'checkpoint.pt'), 'utf8')).toBe('epoch 3 (not uploaded yet)');
    // Nothing stored for another stage: nothing restored.
    expect(await restoreCheckpoint(blobs, stageCheckpointKey('run_1', 'other'), path.join(dir, 'c'))).toBe(false);
  });

  it('runs uploads one at a time, folds requests made during one into one more, and lets failures pass', async () => {
    const events: string[] = [];
    const errors: unknown[] = [];
    let runs = 0;
    let gate!: () => void;
    const task = serialTask(async () => {
      const n = ++runs;
      events.push(`start ${n}`);
      if (n === 1) await new Promise<void>((resolve) => (gate = resolve));
      if (n === 2) throw new Error('S3 is down');
      events.push(`end ${n}`);
    }, (error) => errors.push(error));
    task.request();
    task.request();
    task.request();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['start 1']);
    gate();
    await task.settled();
    expect(events).toEqual(['start 1', 'end 1', 'start 2']);
    expect(errors.map(String)).toEqual(['Error: S3 is down']);
    task.request();
    await task.settled();
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'start 3', 'end 3']);
  });
});
