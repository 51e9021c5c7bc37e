/**
 * Prometheus metrics of this process (prom-client): Node's own (`process_*`, `nodejs_*`) and what
 * its workers measure — every activity's duration, each stage's when it finishes, the training
 * slots. The API's `GET /metrics` serves them with the API's own (stage counts, task queue
 * backlog: api/src/metrics.ts); a worker process serves them through its HTTP server. In the
 * embedded process (API and workers in one) the API's `/metrics` has everything.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Gauge, Registry };

const registry = new Registry();
let defaultsStarted = false;

/** This process's registry; the first call starts Node's default metrics (GC, event loop lag, …). */
export function processMetrics(): Registry {
  if (!defaultsStarted) {
    defaultsStarted = true;
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}

/** What a metrics endpoint answers. */
export interface MetricsResponse {
  contentType: string;
  body: string;
}

/** The Prometheus text of this process's metrics, plus those of `extra` registries (collected now). */
export async function renderMetrics(extra: Registry[] = []): Promise<MetricsResponse> {
  const merged = extra.length > 0 ? Registry.merge([processMetrics(), ...extra]) : processMetrics();
  return { contentType: merged.contentType, body: await merged.metrics() };
}

/** `succeeded`, `failed` (gave up with an error), `cancelled`. */
export type Outcome = 'succeeded' | 'failed' | 'cancelled';

/** Each activity execution (one attempt), by activity type and outcome; measured by the workers' activity interceptor. */
export const activityDuration = new Histogram({
  name: 'aip_activity_duration_seconds',
  help: 'Duration of each activity attempt, by activity type and outcome (succeeded, failed, cancelled)',
  labelNames: ['activity', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
  registers: [registry],
});

/** A stage from the start of its attempt to its end, recorded once when it finishes. */
export const stageDuration = new Histogram({
  name: 'aip_stage_duration_seconds',
  help: 'Duration of each stage attempt from its start to its end (waiting for labels included), by task, executor and outcome (succeeded, failed, cancelled)',
  labelNames: ['task', 'executor', 'outcome'] as const,
  buckets: [1, 10, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 72 * 3600],
  registers: [registry],
});

/** Failed stages; `outcome` says whose the failure is: `user_error` (data or configuration) or `error` (infrastructure). */
export const stageFailures = new Counter({
  name: 'aip_stage_failures_total',
  help: 'Stages that failed, by task, executor and outcome: user_error (the data or configuration, the user must fix it) or error (infrastructure)',
  labelNames: ['task', 'executor', 'outcome'] as const,
  registers: [registry],
});

/** The failure types that are the user's to fix (the rest are infrastructure failures). */
export const USER_FAILURE_TYPES: readonly string[] = ['UserError', 'LabelsRequired'];

/** Anything that knows its training slots (activities' TrainingSlots). */
export interface SlotCounts {
  readonly size: number;
  readonly busy: number;
}

const slotSources = new Set<SlotCounts>();

/** Busy and free training slots of this process's GPU workers (no series in a process without any). */
export const trainingSlots = new Gauge({
  name: 'aip_training_slots',
  help: "This GPU worker's training slots, by state (busy: a training job runs in it; free)",
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    if (slotSources.size === 0) return;
    let size = 0;
    let busy = 0;
    for (const source of slotSources) {
      size += source.size;
      busy += source.busy;
    }
    this.set({ state: 'busy' }, busy);
    this.set({ state: 'free' }, size - busy);
  },
});

/** Counts `slots` in `aip_training_slots` until the returned function is called. */
export function observeTrainingSlots(slots: SlotCounts): () => void {
  slotSources.add(slots);
  return () => slotSources.delete(slots);
}
