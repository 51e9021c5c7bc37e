/**
 * What operators see of the workers: the Temporal SDK's log entries as JSON lines (the process's
 * pino logger, installed as the SDK Runtime's logger), every activity's log line carrying the
 * `runId` and `nodeId` it works for, each activity's duration and outcome as a Prometheus
 * histogram, and — with tracing on — OpenTelemetry spans for workflows and activities.
 */
import { createRequire } from 'node:module';
import { CancelledFailure, type Context as ActivityContext } from '@temporalio/activity';
import {
  IllegalStateError,
  Runtime,
  type ActivityInterceptorsFactory,
  type LogLevel,
  type LogMetadata,
  type Logger as TemporalLogger,
  type WorkerOptions,
} from '@temporalio/worker';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import { activityDuration, processMetrics, type Logger, type Outcome, type Tracing } from '@aip/platform';

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The Temporal SDK's Logger on a pino logger: the SDK's `error` field becomes pino's `err` (message and stack). */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { error, ...fields } = meta;
    this.logger[PINO_LEVEL[level]](error === undefined ? fields : { ...fields, err: error }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Makes `logger` the Temporal SDK's logger in this process: workflow and activity log entries
 * (with their workflow id, activity type, task queue) and the SDK core's warnings come out as its
 * JSON lines. Once per process, before any worker or native connection; false when the Runtime
 * was already set up (a test harness installed its own).
 */
export function installWorkerLogging(logger: Logger): boolean {
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(logger),
      telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
    });
    return true;
  } catch (error) {
    if (error instanceof IllegalStateError) return false;
    throw error;
  }
}

/** The run and stage an activity works for. */
export interface ActivityIds {
  runId?: string;
  nodeId?: string;
  datasetId?: string;
}

/**
 * From the workflow id: a run workflow's id is the run id, a stage workflow's
 * `${runId}/${nodeId}` (`/retry-<n>` for a retried stage), the ingest workflow's `ingest-${datasetId}`.
 */
export function idsOfWorkflow(workflowId: string | undefined): ActivityIds {
  if (!workflowId) return {};
  if (workflowId.startsWith('ingest-')) return { datasetId: workflowId.slice('ingest-'.length) };
  const slash = workflowId.indexOf('/');
  if (slash < 0) return { runId: workflowId };
  return { runId: workflowId.slice(0, slash), nodeId: workflowId.slice(slash + 1).replace(/\/retry-\d+$/, '') };
}

/** From the activity's input (every AIP activity takes one object): `runId`, `nodeId` or `stage.nodeId`, `datasetId`. */
export function idsOfInput(input: unknown): ActivityIds {
  if (typeof input !== 'object' || input === null) return {};
  const { runId, nodeId, datasetId, stage } = input as Record<string, unknown>;
  const stageNode = typeof stage === 'object' && stage !== null ? (stage as Record<string, unknown>).nodeId : undefined;
  const ids: ActivityIds = {};
  if (typeof runId === 'string') ids.runId = runId;
  if (typeof nodeId === 'string') ids.nodeId = nodeId;
  else if (typeof stageNode === 'string') ids.nodeId = stageNode;
  if (typeof datasetId === 'string') ids.datasetId = datasetId;
  return ids;
}

function outcomeOf(error: unknown, ctx: ActivityContext): Outcome {
  return error instanceof CancelledFailure || ctx.cancellationSignal.aborted ? 'cancelled' : 'failed';
}

/**
 * Every activity: its duration and outcome in `aip_activity_duration_seconds`, and the ids of the
 * run and stage it works for on each of its log lines (the SDK's own — "Activity failed" — and
 * those of `log` from @temporalio/activity).
 */
export const observeActivity: ActivityInterceptorsFactory = (ctx) => {
  const ids = idsOfWorkflow(ctx.info.workflowExecution?.workflowId);
  return {
    inbound: {
      async execute(input, next) {
        Object.assign(ids, idsOfInput(input.args[0]));
        const stop = activityDuration.startTimer({ activity: ctx.info.activityType });
        try {
          const result = await next(input);
          stop({ outcome: 'succeeded' });
          return result;
        } catch (error) {
          stop({ outcome: outcomeOf(error, ctx) });
          throw error;
        }
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next({ ...attributes, ...ids }),
    },
  };
};

/** The activity interceptors of a worker: AIP's, and OpenTelemetry's with tracing on. */
export function activityInterceptors(tracing: Tracing | undefined): ActivityInterceptorsFactory[] {
  if (!tracing) return [observeActivity];
  const traced: ActivityInterceptorsFactory = (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });
  return [traced, observeActivity];
}

/** With tracing on: the workflow interceptors to bundle with the workflow code (they make the workflow spans). */
export function workflowInterceptorModules(tracing: Tracing | undefined): string[] {
  if (!tracing) return [];
  return [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];
}

/**
 * The observability options of one Temporal worker: AIP's activity interceptor always; with tracing
 * on, OpenTelemetry's activity interceptors and (a worker running workflows) the sink its workflow
 * interceptors export their spans through.
 */
export function observedWorkerOptions(tracing: Tracing | undefined, runsWorkflows: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  processMetrics(); // Node's own (GC, event loop lag) are measured from the first worker on
  return {
    interceptors: { activity: activityInterceptors(tracing) },
    ...(tracing && runsWorkflows ? { sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } } : {}),
  };
}
