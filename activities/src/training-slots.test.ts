import type { SlotPermit, SlotReserveContext } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { trainingDevices } from './gpus.ts';
import { currentTrainingEnv, TrainingSlots } from './training-slots.ts';

const context = (taskQueue: string): SlotReserveContext => ({
  slotType: 'activity',
  taskQueue,
  workerIdentity: 'test',
  workerBuildId: '',
  isSticky: false,
});

/** Lets pending promise callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('training slots shared by the task queues of a GPU worker', () => {
  it('never grants more permits than slots across every queue, and hands freed ones on first come, first served', async () => {
    const slots = new TrainingSlots(trainingDevices([0, 1]));
    const supplier = slots.slotSupplier();
    const never = new AbortController().signal;
    const granted: string[] = [];
    const reserve = (queue: string) =>
      supplier.reserveSlot(context(queue), never).then((permit) => {
        granted.push(queue);
        return permit;
      });

    const a1 = reserve('aip-gpu');
    const blue1 = reserve('aip-gpu-blue');
    const a2 = reserve('aip-gpu');
    const blue2 = reserve('aip-gpu-blue');
    await tick();
    expect(granted).toEqual(['aip-gpu', 'aip-gpu-blue']);
    expect(slots.reserved).toBe(2);
    expect(supplier.tryReserveSlot(context('aip-gpu'))).toBeNull();

    // A poll that found nothing gives its permit back: the queue that asked first gets it.
    supplier.releaseSlot({ permit: await a1 });
    await tick();
    expect(granted).toEqual(['aip-gpu', 'aip-gpu-blue', 'aip-gpu']);
    // A finished job's permit goes on to the next in line.
    supplier.markSlotUsed({ slotInfo: { type: 'activity', activityType: 'trainStage' }, permit: await blue1 });
    supplier.releaseSlot({ slotInfo: { type: 'activity', activityType: 'trainStage' }, permit: await blue1 });
    await tick();
    expect(granted).toEqual(['aip-gpu', 'aip-gpu-blue', 'aip-gpu', 'aip-gpu-blue']);
    expect(slots.reserved).toBe(2);

    supplier.releaseSlot({ permit: await a2 });
    supplier.releaseSlot({ permit: await blue2 });
    expect(slots.reserved).toBe(0);
    const eager: SlotPermit | null = supplier.tryReserveSlot(context('aip-gpu'));
    expect(eager).not.toBeNull();
    expect(slots.reserved).toBe(1);
  });

  it('drops a reservation the SDK no longer needs', async () => {
    const slots = new TrainingSlots(trainingDevices([]));
    const supplier = slots.slotSupplier();
    const held = await supplier.reserveSlot(context('q'), new AbortController().signal);
    const abort = new AbortController();
    const waiting = supplier.reserveSlot(context('q-blue'), abort.signal);
    const reason = new Error('AbortError');
    abort.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    // The aborted waiter is gone: the freed permit is not handed to it.
    supplier.releaseSlot({ permit: held });
    expect(slots.reserved).toBe(0);
    const aborted = new AbortController();
    aborted.abort(reason);
    await supplier.reserveSlot(context('q'), new AbortController().signal);
    await expect(supplier.reserveSlot(context('q'), aborted.signal)).rejects.toBe(reason);
  });

  it('gives each running job a GPU of its own, in its trainer environment, and takes it back however the job ends', async () => {
    const slots = new TrainingSlots(trainingDevices([0, 1]));
    expect(currentTrainingEnv()).toEqual({});
    let releaseFirst!: () => void;
    const first = slots.withDevice(async (device) => {
      expect(currentTrainingEnv()).toEqual(device.env);
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      return currentTrainingEnv().CUDA_VISIBLE_DEVICES;
    });
    let failSecond!: () => void;
    const second = slots.withDevice(async () => {
      await new Promise<void>((resolve) => (failSecond = resolve));
      throw new Error('training failed');
    });
    await tick();
    expect(slots.busy).toBe(2);
    failSecond();
    await expect(second).rejects.toThrow('training failed');
    expect(slots.busy).toBe(1);
    // The failed job's GPU is free again; the running one keeps its own.
    const third = slots.withDevice(async () => currentTrainingEnv().CUDA_VISIBLE_DEVICES);
    expect(await third).toBe('1');
    releaseFirst();
    expect(await first).toBe('0');
    expect(slots.busy).toBe(0);
  });

  it('makes a job wait for a device when every one is taken (which the shared permits prevent)', async () => {
    const slots = new TrainingSlots(trainingDevices([3]));
    let release!: () => void;
    const running = slots.withDevice(() => new Promise<void>((resolve) => (release = resolve)));
    let started = false;
    const queued = slots.withDevice(async (device) => {
      started = true;
      return device.gpu;
    });
    await tick();
    expect(started).toBe(false);
    release();
    await running;
    expect(await queued).toBe(3);
  });
});
