/**
 * The tracer and context manager the gateway hands to BullMQ, wrapped around
 * `bullmq-otel`'s. BullMQ (6.7) calls them for every operation it traces:
 * `startSpan(name, options, parent)`, then `span.setSpanOnContext(ctx)` to get
 * the context its callback runs in, then `contextManager.getMetadata(ctx)` to
 * serialise that context into the job (`opts.telemetry.metadata`).
 *
 * By default the wrapper keeps one publish span per `add` and one process span
 * per attempt, and drops everything else BullMQ produces:
 * - housekeeping (stalled-job checks, lock renewal, polling, close) records
 *   nothing, and neither does anything below it;
 * - the job state changes inside a process span (complete, fail, delay,
 *   retry) are folded into that span, which already carries the outcome;
 * - the raw Redis commands BullMQ issues under its own spans are suppressed.
 * `TELEMETRY_TRACE_QUEUE_INTERNALS` keeps all of it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context,
  createContextKey,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanOptions,
  type TimeInput,
} from '@opentelemetry/api';
import {
  isTracingSuppressed,
  suppressTracing,
  unsuppressTracing,
} from '@opentelemetry/core';
import { ATTR } from './names';

/** Operations that only keep a queue or worker running. */
const HOUSEKEEPING_OPERATIONS = new Set([
  'getNextJob',
  'rateLimit',
  'startStalledCheckTimer',
  'moveStalledJobsToWait',
  'extendLocks',
  'close',
  'pause',
  'resume',
  'trimEvents',
  'removeDebounceKey',
  'removeDeduplicationKey',
]);

/** State changes BullMQ traces inside a process span, one per attempt. */
const JOB_STATE_OPERATIONS = new Set(['complete', 'fail', 'delay', 'retry']);

const PRODUCER_OPERATIONS = new Set([
  'add',
  'addBulk',
  'addFlow',
  'addBulkFlows',
  'addNode',
  'retryJobs',
]);

/**
 * Marks a context whose tracing the gateway suppressed only so that BullMQ's
 * own Redis commands record nothing; BullMQ spans started below it and the
 * trace context written into jobs are unaffected. The value is the span the
 * context carried, or `NO_SPAN`.
 */
const BULLMQ_REDIS_SUPPRESSED = createContextKey(
  'otel-gateway bullmq redis suppressed',
);
const NO_SPAN = Symbol('no span');

/**
 * Suppresses tracing and takes the active span out of the context, so the
 * ioredis instrumentation (with `requireParentSpan`) returns before it
 * formats a command it would not record.
 */
function suppressRedis(ctx: Context): Context {
  const span = trace.getSpan(ctx);
  const withoutSpan = span ? trace.deleteSpan(ctx) : ctx;
  return suppressTracing(withoutSpan).setValue(
    BULLMQ_REDIS_SUPPRESSED,
    span ?? NO_SPAN,
  );
}

/** Runs `fn` with BullMQ's own Redis commands unrecorded. */
export function withoutRedisSpans<T>(fn: () => T): T {
  return context.with(suppressRedis(context.active()), fn);
}

/** Undoes `suppressRedis` and restores the span it removed. */
function unsuppressRedis(ctx: Context): Context {
  const span = ctx.getValue(BULLMQ_REDIS_SUPPRESSED) as Span | typeof NO_SPAN | undefined;
  if (span === undefined) return ctx;
  const restored = unsuppressTracing(ctx).deleteValue(BULLMQ_REDIS_SUPPRESSED);
  return span === NO_SPAN ? restored : trace.setSpan(restored, span);
}

/** The fields of a BullMQ `Job` the process span is described with. */
export interface ProcessedJob {
  id?: string;
  data: unknown;
  /** When the job was added, in ms since the epoch. */
  timestamp: number;
  /** When this attempt started, in ms since the epoch. */
  processedOn?: number;
  /** Attempts that failed before this one. */
  attemptsMade: number;
  /** Id of the job scheduler that created the job, if any. */
  repeatJobKey?: string;
}

/** The job a worker is processing, set around `Worker.processJob`. */
export const jobInProcess = new AsyncLocalStorage<ProcessedJob>();

/** Shape of the span object `bullmq-otel` hands to BullMQ. */
export interface BullSpan {
  setSpanOnContext(ctx: Context): Context;
  setAttribute(key: string, value: unknown): void;
  setAttributes(attributes: Attributes): void;
  addEvent(name: string, attributes?: Attributes, time?: TimeInput): void;
  recordException(exception: unknown, time?: TimeInput): void;
  end(): void;
}

export interface BullTracer {
  startSpan(name: string, options?: SpanOptions, context?: Context): BullSpan;
}

export interface BullContextManager {
  getMetadata(ctx: Context): string;
  fromMetadata(activeCtx: Context, metadata: string): Context;
  with<A extends (...args: any[]) => any>(
    ctx: Context,
    fn: A,
  ): ReturnType<A>;
  active(): Context;
  root?(): Context;
}

export interface BullTelemetry {
  tracer: BullTracer;
  contextManager: BullContextManager;
  meter?: unknown;
}

/** A span that records nothing and sets `contextFor` on its callback. */
class DroppedSpan implements BullSpan {
  constructor(private readonly contextFor: (ctx: Context) => Context) {}

  setSpanOnContext(ctx: Context): Context {
    return this.contextFor(ctx);
  }
  setAttribute(): void {}
  setAttributes(): void {}
  addEvent(): void {}
  recordException(): void {}
  end(): void {}
}

/** Housekeeping: nothing below it is recorded either. */
const HOUSEKEEPING_SPAN = new DroppedSpan(suppressTracing);

/** A job state change: only the Redis commands below it are dropped. */
const FOLDED_STATE_SPAN = new DroppedSpan(suppressRedis);

function operationType(operation: string): 'publish' | 'process' | undefined {
  if (operation === 'process') return 'process';
  if (PRODUCER_OPERATIONS.has(operation)) return 'publish';
  return undefined;
}

/** A recorded BullMQ span with the messaging attributes Sentry reads. */
class QueueSpan implements BullSpan {
  constructor(
    private readonly inner: BullSpan,
    private readonly raw: Span | undefined,
    private readonly dropRedisBelow: boolean,
  ) {}

  setSpanOnContext(ctx: Context): Context {
    const next = this.inner.setSpanOnContext(ctx);
    // The processor runs below a process span and must stay traced.
    return this.dropRedisBelow ? suppressRedis(next) : unsuppressRedis(next);
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
    if (typeof queueName === 'string' && queueName) {
      this.inner.setAttribute(ATTR.MESSAGING_DESTINATION_NAME, queueName);
    }
    const operation = attributes[ATTR.BULLMQ_QUEUE_OPERATION];
    const type =
      typeof operation === 'string' ? operationType(operation) : undefined;
    if (type) {
      this.inner.setAttribute(ATTR.MESSAGING_OPERATION_TYPE, type);
      this.inner.setAttribute(ATTR.SENTRY_OP, `queue.${type}`);
    }
    const jobId = attributes[ATTR.BULLMQ_JOB_ID];
    if (typeof jobId === 'string') {
      this.inner.setAttribute(ATTR.MESSAGING_MESSAGE_ID, jobId);
    }
    const bulkCount = attributes[ATTR.BULLMQ_JOB_BULK_COUNT];
    if (typeof bulkCount === 'number') {
      this.inner.setAttribute(ATTR.MESSAGING_BATCH_MESSAGE_COUNT, bulkCount);
    }
  }

  addEvent(name: string, attributes?: Attributes, time?: TimeInput): void {
    this.inner.addEvent(name, attributes, time);
  }

  /** `bullmq-otel` 2 leaves a failed span's status UNSET; mark it ERROR. */
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

function bodySize(data: unknown): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(data) ?? '');
  } catch {
    // Not expected: a worker's `job.data` comes from JSON.parse.
    return undefined;
  }
}

/** Attributes of a process span that only the job itself can give. */
export function processAttributes(job: ProcessedJob, now: number): Attributes {
  const attributes: Attributes = {
    [ATTR.MESSAGING_MESSAGE_RETRY_COUNT]: job.attemptsMade,
    // Time since the job was added, so it includes any delay or backoff.
    [ATTR.MESSAGING_MESSAGE_RECEIVE_LATENCY]: Math.max(
      0,
      (job.processedOn ?? now) - job.timestamp,
    ),
  };
  if (job.id !== undefined) attributes[ATTR.MESSAGING_MESSAGE_ID] = job.id;
  const size = bodySize(job.data);
  if (size !== undefined) attributes[ATTR.MESSAGING_MESSAGE_BODY_SIZE] = size;
  if (job.repeatJobKey) {
    attributes[ATTR.BULLMQ_JOB_SCHEDULER_ID] = job.repeatJobKey;
  }
  return attributes;
}

/**
 * Makes a scheduler run a trace of its own. BullMQ copies the context of the
 * call that created the scheduler into every run, so without this all runs
 * share one trace that grows for as long as the scheduler exists. The run
 * links to that context instead.
 */
function schedulerRunOptions(
  options: SpanOptions | undefined,
  parent: Context,
  schedulerId: string,
): SpanOptions {
  const links: Link[] = [...(options?.links ?? [])];
  const scheduler = trace.getSpanContext(parent);
  if (scheduler && isSpanContextValid(scheduler)) {
    links.push({
      context: scheduler,
      attributes: { [ATTR.BULLMQ_JOB_SCHEDULER_ID]: schedulerId },
    });
  }
  return { ...options, root: true, links };
}

export class GatewayTracer implements BullTracer {
  constructor(
    private readonly inner: BullTracer,
    private readonly keepInternals: boolean,
  ) {}

  startSpan(name: string, options?: SpanOptions, ctx?: Context): BullSpan {
    const parent = unsuppressRedis(ctx ?? context.active());
    if (isTracingSuppressed(parent)) return HOUSEKEEPING_SPAN;

    // BullMQ names spans "<operation> <destination>".
    const operation = name.split(' ', 1)[0];
    if (!this.keepInternals) {
      if (HOUSEKEEPING_OPERATIONS.has(operation)) return HOUSEKEEPING_SPAN;
      if (JOB_STATE_OPERATIONS.has(operation)) return FOLDED_STATE_SPAN;
    }

    const consumer = options?.kind === SpanKind.CONSUMER;
    const job = consumer ? jobInProcess.getStore() : undefined;
    const spanOptions = job?.repeatJobKey
      ? schedulerRunOptions(options, parent, job.repeatJobKey)
      : options;

    const inner = this.inner.startSpan(name, spanOptions, parent);
    inner.setAttribute(ATTR.MESSAGING_SYSTEM, 'bullmq');
    if (job) inner.setAttributes(processAttributes(job, Date.now()));
    const raw = (inner as { span?: Span }).span;
    return new QueueSpan(inner, raw, !this.keepInternals && !consumer);
  }
}

/**
 * Writes the trace context into jobs as `bullmq-otel` does, but from a
 * context whose Redis spans the gateway suppressed: the W3C propagator
 * writes nothing from a suppressed context.
 */
export class GatewayContextManager implements BullContextManager {
  constructor(private readonly inner: BullContextManager) {}

  getMetadata(ctx: Context): string {
    return this.inner.getMetadata(unsuppressRedis(ctx));
  }

  fromMetadata(activeCtx: Context, metadata: string): Context {
    return this.inner.fromMetadata(activeCtx, metadata);
  }

  with<A extends (...args: any[]) => any>(ctx: Context, fn: A): ReturnType<A> {
    return this.inner.with(ctx, fn);
  }

  active(): Context {
    return this.inner.active();
  }

  /**
   * BullMQ runs its never-ending loops (the stalled-job checker) under this
   * context, so that each round starts a trace of its own rather than
   * growing the trace that started the worker.
   */
  root(): Context {
    return ROOT_CONTEXT;
  }
}
