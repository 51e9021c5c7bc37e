import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, startTracing, type Tracing } from '@aip/platform';
import type { PlatformActivities } from '@aip/workflows/temporal';
import { installWorkerLogging } from './observability.ts';
import { startWorkers, type WorkerSet } from './worker.ts';

function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: this test needs a Temporal server (npm test starts one).');
  return address;
}

/** Only ingestDataset runs here; the rest must not be called. */
const activities = new Proxy({ ingestDataset: async () => ({ status: 'ready' as const }) } as Partial<PlatformActivities>, {
  get: (target, name: string) => target[name as keyof PlatformActivities] ?? (() => Promise.reject(new Error(`${name} is not part of this test`))),
}) as PlatformActivities;

describe('OpenTelemetry tracing through the Temporal interceptors (Temporal dev server, a real worker)', () => {
  const exporter = new InMemorySpanExporter();
  let workerTracing: Tracing;
  let clientTracing: Tracing;
  let workers: WorkerSet;
  let connection: Connection;
  const taskQueue = `aip-trace-test-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    installWorkerLogging(createLogger({ level: 'error' }));
    workerTracing = startTracing({ serviceName: 'aip-worker', exporter });
    clientTracing = startTracing({ serviceName: 'aip-api', exporter });
    workers = await startWorkers({
      address: temporalAddress(),
      namespace: 'default',
      activities,
      roles: ['orchestration'],
      taskQueues: { orchestration: taskQueue },
      tracing: workerTracing,
      log: () => undefined,
    });
    connection = await Connection.connect({ address: temporalAddress() });
  });
  afterAll(async () => {
    await workers?.shutdown();
    await connection?.close();
    await Promise.all([workerTracing?.shutdown(), clientTracing?.shutdown()]);
  });

  it('links the client start, the workflow run, the activity start and its run in one trace', async () => {
    const client = new Client({ connection, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: clientTracing.tracer })] } });
    const workflowId = `ingest-trace-${randomUUID().slice(0, 8)}`;
    await expect(client.workflow.execute('ingestDatasetWorkflow', { taskQueue, workflowId, args: [{ datasetId: 'ds_trace' }] })).resolves.toEqual({ status: 'ready' });

    // Workflow spans reach the exporter through the worker's sink once their workflow task completes.
    const names = ['StartWorkflow:ingestDatasetWorkflow', 'RunWorkflow:ingestDatasetWorkflow', 'StartActivity:ingestDataset', 'RunActivity:ingestDataset'];
    const deadline = Date.now() + 15_000;
    let spans: Record<string, ReadableSpan | undefined> = {};
    for (;;) {
      const finished = exporter.getFinishedSpans();
      spans = Object.fromEntries(names.map((name) => [name, finished.find((span) => span.name === name)]));
      if (Object.values(spans).every(Boolean) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [start, run, startActivity, runActivity] = names.map((name) => spans[name]);
    expect(Object.entries(spans).filter(([, span]) => !span).map(([name]) => name)).toEqual([]);

    const traceId = start!.spanContext().traceId;
    expect([run, startActivity, runActivity].map((span) => span!.spanContext().traceId)).toEqual([traceId, traceId, traceId]);
    expect(run!.parentSpanId).toBe(start!.spanContext().spanId);
    expect(startActivity!.parentSpanId).toBe(run!.spanContext().spanId);
    expect(runActivity!.parentSpanId).toBe(startActivity!.spanContext().spanId);
    expect(start!.resource.attributes['service.name']).toBe('aip-api');
    expect([run, runActivity].map((span) => span!.resource.attributes['service.name'])).toEqual(['aip-worker', 'aip-worker']);
  });
});
