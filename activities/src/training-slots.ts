/**
 * A GPU worker's training slots, shared by its task queues (one per pool it serves).
 *
 * Why a custom slot supplier: a Temporal Worker polls one task queue, so a GPU worker serving the
 * pools `default` and `a100` runs one Worker per queue. Giving each `maxConcurrentActivityTaskExecutions
 * = slots` would let them together take twice as many jobs as there are GPUs, and a semaphore
 * inside the activity would only make the extra jobs wait here, holding a task another host with
 * a free GPU could have run. Instead every Worker of the process gets the same `slotSupplier()`:
 * Temporal asks it for a permit before each poll, so the workers together never hold more tasks
 * (polls waiting for one included) than there are slots — a worker simply does not ask for work
 * it could not start. Each queue polls with one poller (`activityTaskPollerBehavior` maximum 1)
 * and permits go first come, first served, so with at least as many slots as pools every pool
 * is always polled; with fewer (a CPU machine serving two pools) the free slot goes round the
 * pools, one long poll (about a minute) at a time.
 *
 * Which GPU a job gets is decided when it starts: `withDevice` hands it a free slot's device
 * (always one, since jobs ≤ permits ≤ slots, and a job gives its device back before its permit
 * is released) and runs it with that device's environment in `currentTrainingEnv()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit } from '@temporalio/worker';
import type { TrainingDevice } from './gpus.ts';

interface PermitWaiter {
  resolve: (permit: SlotPermit) => void;
}

const deviceOfJob = new AsyncLocalStorage<TrainingDevice>();

/**
 * The trainer environment of the training slot the calling activity runs in
 * (`CUDA_VISIBLE_DEVICES=<its GPU>`); empty outside a GPU worker's slot.
 */
export function currentTrainingEnv(): Record<string, string> {
  return { ...deviceOfJob.getStore()?.env };
}

export class TrainingSlots {
  readonly devices: readonly TrainingDevice[];
  private readonly free: TrainingDevice[];
  private readonly deviceWaiters: Array<(device: TrainingDevice) => void> = [];
  private permits = 0;
  private readonly permitWaiters: PermitWaiter[] = [];

  constructor(devices: readonly TrainingDevice[]) {
    if (devices.length === 0) throw new Error('TrainingSlots: at least one training device is needed');
    this.devices = devices;
    this.free = [...devices];
  }

  get size(): number {
    return this.devices.length;
  }

  /** Jobs running now. */
  get busy(): number {
    return this.size - this.free.length;
  }

  /** Permits held now (jobs running and polls waiting for one). */
  get reserved(): number {
    return this.permits;
  }

  /**
   * Runs one job on a free slot's device; the device is free again when `job` settles (done,
   * failed or cancelled). Inside, `currentTrainingEnv()` is the device's environment.
   */
  async withDevice<T>(job: (device: TrainingDevice) => Promise<T>): Promise<T> {
    const device = this.free.shift() ?? (await new Promise<TrainingDevice>((resolve) => this.deviceWaiters.push(resolve)));
    try {
      return await deviceOfJob.run(device, () => job(device));
    } finally {
      const next = this.deviceWaiters.shift();
      if (next) next(device);
      else this.free.push(device);
    }
  }

  /** The activity slot supplier every Worker of this GPU worker shares (see the header). */
  slotSupplier(): CustomSlotSupplier<ActivitySlotInfo> {
    return {
      type: 'custom',
      reserveSlot: (_ctx, abortSignal) => this.reserve(abortSignal),
      tryReserveSlot: () => this.tryReserve(),
      markSlotUsed: () => undefined,
      releaseSlot: () => this.release(),
    };
  }

  private tryReserve(): SlotPermit | null {
    // Waiters first: an eager task must not jump the queue of pools waiting for their turn.
    if (this.permits >= this.size || this.permitWaiters.length > 0) return null;
    this.permits += 1;
    return {};
  }

  private reserve(abortSignal: AbortSignal): Promise<SlotPermit> {
    const permit = this.tryReserve();
    if (permit) return Promise.resolve(permit);
    return new Promise<SlotPermit>((resolve, reject) => {
      if (abortSignal.aborted) {
        reject(abortSignal.reason);
        return;
      }
      const waiter: PermitWaiter = {
        resolve: (granted) => {
          abortSignal.removeEventListener('abort', onAbort);
          resolve(granted);
        },
      };
      const onAbort = () => {
        const index = this.permitWaiters.indexOf(waiter);
        if (index >= 0) this.permitWaiters.splice(index, 1);
        reject(abortSignal.reason);
      };
      abortSignal.addEventListener('abort', onAbort, { once: true });
      this.permitWaiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.permitWaiters.shift();
    // Handed straight on: the count stays, and no one arriving now can take it first.
    if (next) next.resolve({});
    else this.permits = Math.max(0, this.permits - 1);
  }
}
