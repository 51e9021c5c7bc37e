/**
 * OpenTelemetry tracing, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (config `tracing`): spans are
 * exported over OTLP/HTTP (`<endpoint>/v1/traces`; OTEL_EXPORTER_OTLP_HEADERS is honoured) with
 * the service name OTEL_SERVICE_NAME, else the process's own (`aip-api`, `aip-worker`). The
 * Temporal interceptors (@temporalio/interceptors-opentelemetry) make the spans and carry the
 * trace through Temporal's headers: the API's client (StartWorkflow), the workflows (RunWorkflow,
 * StartActivity, StartChildWorkflow — exported through the worker's sink) and the activities
 * (RunActivity) end up in one trace.
 */
import { context, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { AipConfig } from '../config.ts';

export interface Tracing {
  serviceName: string;
  /** What the Temporal interceptors make their spans with. */
  tracer: Tracer;
  /** Where finished spans go (the workers' workflow span sink too). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports the spans still buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (`http://collector:4318`); ignored with `exporter`. */
  endpoint?: string;
  /** Another exporter (tests: an InMemorySpanExporter), fed span by span. */
  exporter?: SpanExporter;
}

let globalsInstalled = false;

/**
 * Trace context crosses Temporal in headers (W3C traceparent) and follows async calls within the
 * process: both need process-wide OpenTelemetry globals, installed once.
 */
function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

export function startTracing(options: StartTracingOptions): Tracing {
  installGlobals();
  const resource = new Resource({ 'service.name': options.serviceName });
  let spanProcessor: SpanProcessor;
  if (options.exporter) {
    spanProcessor = new SimpleSpanProcessor(options.exporter);
  } else {
    if (!options.endpoint) throw new Error('startTracing: an OTLP endpoint or an exporter is needed');
    spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` }));
  }
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  return {
    serviceName: options.serviceName,
    tracer: provider.getTracer('aip'),
    spanProcessor,
    resource,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing as configured (undefined when OTEL_EXPORTER_OTLP_ENDPOINT is unset); `serviceName` unless OTEL_SERVICE_NAME says otherwise. */
export function tracingFromConfig(config: Pick<AipConfig, 'tracing'>, serviceName: string): Tracing | undefined {
  if (!config.tracing) return undefined;
  return startTracing({ endpoint: config.tracing.endpoint, serviceName: config.tracing.serviceName ?? serviceName });
}
