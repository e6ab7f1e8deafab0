/**
 * Zero-code BullMQ tracing. Every `Queue`, `Worker` and `FlowProducer` the app
 * creates (including those made by `@nestjs/bullmq`) gets the gateway's
 * telemetry unless the app passes its own `telemetry` option.
 *
 * The telemetry is `bullmq-otel`'s, with a tracer in front that:
 * - drops BullMQ's housekeeping spans (stalled-job checks, polling, close),
 *   and suppresses the Redis spans those operations would create, unless
 *   `TELEMETRY_TRACE_QUEUE_INTERNALS` is on;
 * - adds the messaging attributes Sentry's Queues view reads;
 * - marks a span ERROR when BullMQ records an exception on it, because
 *   `bullmq-otel` 2 leaves a failed attempt's status UNSET.
 */
import {
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type TimeInput,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { ATTR } from './names';

/** BullMQ operations that only keep the queue running. */
const HOUSEKEEPING_OPERATIONS = new Set([
  'getNextJob',
  'rateLimit',
  'startStalledCheckTimer',
  'moveStalledJobsToWait',
  'close',
  'pause',
  'resume',
  'trimEvents',
  'removeDebounceKey',
  'removeDeduplicationKey',
]);

const PRODUCER_OPERATIONS = new Set([
  'add',
  'addBulk',
  'addFlow',
  'addBulkFlows',
  'addNode',
  'retryJobs',
]);

/** Shape of the span object `bullmq-otel` hands to BullMQ. */
interface BullSpan {
  setSpanOnContext(ctx: Context): Context;
  setAttribute(key: string, value: unknown): void;
  setAttributes(attributes: Attributes): void;
  addEvent(name: string, attributes?: Attributes, time?: TimeInput): void;
  recordException(exception: unknown, time?: TimeInput): void;
  end(): void;
}

interface BullTracer {
  startSpan(name: string, options?: SpanOptions, context?: Context): BullSpan;
}

interface BullTelemetry {
  tracer: BullTracer;
  contextManager: unknown;
  meter?: unknown;
}

/** A span BullMQ may call like any other, that records nothing. */
class SuppressedSpan implements BullSpan {
  setSpanOnContext(ctx: Context): Context {
    return suppressTracing(ctx);
  }
  setAttribute(): void {}
  setAttributes(): void {}
  addEvent(): void {}
  recordException(): void {}
  end(): void {}
}

class QueueSpan implements BullSpan {
  constructor(
    private readonly inner: BullSpan,
    private readonly raw: Span | undefined,
  ) {}

  setSpanOnContext(ctx: Context): Context {
    return this.inner.setSpanOnContext(ctx);
  }

  setAttribute(key: string, value: unknown): void {
    this.inner.setAttribute(key, value);
    if (key === ATTR.BULLMQ_JOB_ID && typeof value === 'string') {
      this.inner.setAttribute(ATTR.MESSAGING_MESSAGE_ID, value);
    }
  }

  setAttributes(attributes: Attributes): void {
    this.inner.setAttributes(attributes);
    const queueName = attributes[ATTR.BULLMQ_QUEUE_NAME];
    const operation = attributes[ATTR.BULLMQ_QUEUE_OPERATION];
    if (typeof queueName === 'string' && queueName) {
      this.inner.setAttribute(ATTR.MESSAGING_DESTINATION_NAME, queueName);
    }
    if (typeof operation === 'string') {
      const op = operationType(operation);
      if (op) {
        this.inner.setAttribute(ATTR.MESSAGING_OPERATION_TYPE, op);
        this.inner.setAttribute(ATTR.SENTRY_OP, `queue.${op}`);
      }
    }
    const jobId = attributes[ATTR.BULLMQ_JOB_ID];
    if (typeof jobId === 'string') {
      this.inner.setAttribute(ATTR.MESSAGING_MESSAGE_ID, jobId);
    }
  }

  addEvent(name: string, attributes?: Attributes, time?: TimeInput): void {
    this.inner.addEvent(name, attributes, time);
  }

  recordException(exception: unknown, time?: TimeInput): void {
    this.inner.recordException(exception, time);
    const message =
      exception instanceof Error ? exception.message : String(exception);
    this.raw?.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    this.inner.end();
  }
}

function operationType(operation: string): 'publish' | 'process' | undefined {
  if (operation === 'process') return 'process';
  if (PRODUCER_OPERATIONS.has(operation)) return 'publish';
  return undefined;
}

class GatewayTracer implements BullTracer {
  constructor(
    private readonly inner: BullTracer,
    private readonly keepInternals: boolean,
  ) {}

  startSpan(name: string, options?: SpanOptions, ctx?: Context): BullSpan {
    // BullMQ names spans "<operation> <destination>".
    const operation = name.split(' ', 1)[0];
    if (!this.keepInternals && HOUSEKEEPING_OPERATIONS.has(operation)) {
      return new SuppressedSpan();
    }
    const inner = this.inner.startSpan(name, options, ctx);
    const raw = (inner as { span?: Span }).span;
    inner.setAttribute(ATTR.MESSAGING_SYSTEM, 'bullmq');
    return new QueueSpan(inner, raw);
  }
}

function createTelemetry(keepInternals: boolean, version: string): BullTelemetry {
  const { BullMQOtel } = require('bullmq-otel') as {
    BullMQOtel: new (options: object) => BullTelemetry;
  };
  const telemetry = new BullMQOtel({
    tracerName: 'bullmq',
    version,
    enableMetrics: true,
  });
  return {
    tracer: new GatewayTracer(telemetry.tracer, keepInternals),
    contextManager: telemetry.contextManager,
    meter: telemetry.meter,
  };
}

type Constructor = new (...args: any[]) => object;

function withDefaultTelemetry<T extends Constructor>(
  Base: T,
  optsIndex: number,
  getTelemetry: () => BullTelemetry,
): T {
  const Patched = class extends Base {
    constructor(...args: any[]) {
      const opts = args[optsIndex] as { telemetry?: unknown } | undefined;
      if (!opts?.telemetry) {
        args[optsIndex] = { ...opts, telemetry: getTelemetry() };
      }
      super(...args);
    }
  };
  Object.defineProperty(Patched, 'name', { value: Base.name });
  return Patched;
}

/**
 * Patches `QueueBase` (the parent of `Queue`, `Worker` and `QueueEvents`) and
 * `FlowProducer` as BullMQ loads them, so the subclasses bind to the patched
 * versions.
 */
export class BullMQTelemetryInstrumentation extends InstrumentationBase {
  private telemetry?: BullTelemetry;

  constructor(
    private readonly keepInternals: boolean,
    private readonly gatewayVersion: string,
  ) {
    super('otel-gateway-bullmq', gatewayVersion, {});
  }

  private getTelemetry = (): BullTelemetry => {
    this.telemetry ??= createTelemetry(this.keepInternals, this.gatewayVersion);
    return this.telemetry;
  };

  protected init() {
    const versions = ['>=5.0.0'];
    const patchExport = (exportName: string, optsIndex: number) => {
      let original: Constructor | undefined;
      return {
        patch: (exports: Record<string, Constructor>) => {
          original = exports[exportName];
          exports[exportName] = withDefaultTelemetry(
            original,
            optsIndex,
            this.getTelemetry,
          );
          return exports;
        },
        unpatch: (exports?: Record<string, Constructor>) => {
          if (exports && original) exports[exportName] = original;
        },
      };
    };
    const queueBase = patchExport('QueueBase', 1);
    const flowProducer = patchExport('FlowProducer', 0);
    return new InstrumentationNodeModuleDefinition('bullmq', versions, undefined, undefined, [
      new InstrumentationNodeModuleFile(
        'bullmq/dist/cjs/classes/queue-base.js',
        versions,
        queueBase.patch,
        queueBase.unpatch,
      ),
      new InstrumentationNodeModuleFile(
        'bullmq/dist/cjs/classes/flow-producer.js',
        versions,
        flowProducer.patch,
        flowProducer.unpatch,
      ),
    ]);
  }
}
