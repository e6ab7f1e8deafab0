/**
 * Zero-code BullMQ tracing. Every `Queue`, `Worker` and `FlowProducer` the app
 * creates (including those made by `@nestjs/bullmq`) gets the gateway's
 * telemetry unless the app passes its own `telemetry` option.
 *
 * The telemetry is `bullmq-otel`'s behind the gateway's tracer (see
 * `bullmq-tracer`). Three more patches fill gaps in BullMQ 6.7:
 * - `Worker.processJob` makes the job visible to the tracer, which describes
 *   the process span with it and starts a scheduler's runs as traces of their
 *   own, linked to the scheduler;
 * - `JobScheduler.upsertJobScheduler`, when a worker calls it to schedule the
 *   next run, is housekeeping and records nothing;
 * - `FlowProducer.addNode` gives a flow node without `opts` an empty one,
 *   because BullMQ writes the trace context only into an existing `opts`;
 * - `RedisConnection.init` and `RedisQueueBackend.setQueueMeta` run without
 *   Redis spans, because BullMQ starts them from its constructors, so their
 *   commands (connect, hello, client, info, hset) would otherwise land in
 *   whatever trace created the queue, such as Nest's start-up.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { QueueDepthMonitor } from './queue-depth';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import {
  GatewayContextManager,
  GatewayTracer,
  jobInProcess,
  withoutRedisSpans,
  type BullContextManager,
  type BullTelemetry,
  type BullTracer,
  type ProcessedJob,
} from './bullmq-tracer';

function createTelemetry(
  keepInternals: boolean,
  version: string,
): BullTelemetry {
  const { BullMQOtel } = require('bullmq-otel') as {
    BullMQOtel: new (options: object) => {
      tracer: BullTracer;
      contextManager: BullContextManager;
      meter?: unknown;
    };
  };
  const telemetry = new BullMQOtel({
    tracerName: 'bullmq',
    version,
    enableMetrics: true,
  });
  return {
    tracer: new GatewayTracer(telemetry.tracer, keepInternals),
    contextManager: new GatewayContextManager(telemetry.contextManager),
    meter: telemetry.meter,
  };
}

type Constructor = new (...args: any[]) => object;

function withDefaultTelemetry<T extends Constructor>(
  Base: T,
  optsIndex: number,
  getTelemetry: () => BullTelemetry,
  onCreated: (instance: object) => void,
): T {
  const Patched = class extends Base {
    constructor(...args: any[]) {
      const opts = args[optsIndex] as { telemetry?: unknown } | undefined;
      if (!opts?.telemetry) {
        args[optsIndex] = { ...opts, telemetry: getTelemetry() };
      }
      super(...args);
      onCreated(this);
    }
  };
  Object.defineProperty(Patched, 'name', { value: Base.name });
  return Patched;
}

type Exports = Record<string, any>;

/** `Worker.processJob(job, ...)`, run with the job visible to the tracer. */
function wrapProcessJob(original: (...args: any[]) => any) {
  return function processJob(this: unknown, job: ProcessedJob, ...rest: any[]) {
    return jobInProcess.run(job, () => original.call(this, job, ...rest));
  };
}

/** Gives a flow node without `opts` an empty one so it carries the context. */
function wrapAddNode(original: (...args: any[]) => any) {
  return function addNode(this: unknown, args: { node?: { opts?: object } }) {
    const node = args?.node;
    if (node && !node.opts) {
      return original.call(this, { ...args, node: { ...node, opts: {} } });
    }
    return original.call(this, args);
  };
}

/**
 * Suppresses tracing while a worker schedules a scheduler's next run, which
 * BullMQ does by calling this with `override: false`. Only installed when the
 * internals are not kept.
 */
function wrapUpsertJobScheduler(original: (...args: any[]) => any) {
  return function upsertJobScheduler(this: unknown, ...args: any[]) {
    const options = args[5] as { override?: boolean } | undefined;
    if (options?.override !== false) return original.apply(this, args);
    const quiet = suppressTracing(context.active());
    return context.with(quiet, () => original.apply(this, args));
  };
}

/** Runs a BullMQ method with its Redis commands unrecorded. */
function wrapWithoutRedisSpans(original: (...args: any[]) => any) {
  return function withoutSpans(this: unknown, ...args: any[]) {
    return withoutRedisSpans(() => original.apply(this, args));
  };
}

/**
 * Patches BullMQ's classes as BullMQ loads them. `QueueBase` (the parent of
 * `Queue`, `Worker`, `QueueEvents` and `JobScheduler`) and `FlowProducer` are
 * replaced by subclasses that add the default telemetry, and because BullMQ
 * loads the subclasses after them, those extend the patched versions. Some
 * prototype methods are wrapped as described at the top of this file.
 */
export class BullMQTelemetryInstrumentation extends InstrumentationBase {
  private telemetry?: BullTelemetry;
  private readonly originals = new Map<string, Constructor>();

  constructor(
    private readonly keepInternals: boolean,
    private readonly gatewayVersion: string,
    private readonly depth?: QueueDepthMonitor,
  ) {
    super('otel-gateway-bullmq', gatewayVersion, {});
  }

  private onCreated = (instance: object): void => {
    this.depth?.track(instance);
  };

  private getTelemetry = (): BullTelemetry => {
    this.telemetry ??= createTelemetry(this.keepInternals, this.gatewayVersion);
    return this.telemetry;
  };

  private addDefaultTelemetry(
    exports: Exports,
    name: string,
    optsIndex: number,
  ): void {
    const original = exports[name] as Constructor;
    this.originals.set(name, original);
    exports[name] = withDefaultTelemetry(
      original,
      optsIndex,
      this.getTelemetry,
      this.onCreated,
    );
  }

  private restore(exports: Exports | undefined, name: string): void {
    const original = this.originals.get(name);
    if (exports && original) exports[name] = original;
  }

  protected init() {
    const versions = ['>=5.0.0'];
    const file = (
      name: string,
      patch: (exports: Exports) => void,
      unpatch: (exports: Exports | undefined) => void,
    ) =>
      new InstrumentationNodeModuleFile(
        `bullmq/dist/cjs/classes/${name}`,
        versions,
        (exports: Exports) => {
          patch(exports);
          return exports;
        },
        unpatch,
      );

    return new InstrumentationNodeModuleDefinition(
      'bullmq',
      versions,
      undefined,
      undefined,
      [
        file(
          'queue-base.js',
          (exports) => this.addDefaultTelemetry(exports, 'QueueBase', 1),
          (exports) => this.restore(exports, 'QueueBase'),
        ),
        file(
          'flow-producer.js',
          (exports) => {
            this._wrap(exports.FlowProducer.prototype, 'addNode', wrapAddNode);
            this.addDefaultTelemetry(exports, 'FlowProducer', 0);
          },
          (exports) => {
            this.restore(exports, 'FlowProducer');
            if (exports) this._unwrap(exports.FlowProducer.prototype, 'addNode');
          },
        ),
        file(
          'worker.js',
          (exports) =>
            this._wrap(exports.Worker.prototype, 'processJob', wrapProcessJob),
          (exports) =>
            exports && this._unwrap(exports.Worker.prototype, 'processJob'),
        ),
        file(
          'redis-connection.js',
          (exports) => {
            if (this.keepInternals) return;
            this._wrap(exports.RedisConnection.prototype, 'init', wrapWithoutRedisSpans);
          },
          (exports) =>
            exports && this._unwrap(exports.RedisConnection.prototype, 'init'),
        ),
        file(
          'redis-queue-backend.js',
          (exports) => {
            if (this.keepInternals) return;
            this._wrap(
              exports.RedisQueueBackend.prototype,
              'setQueueMeta',
              wrapWithoutRedisSpans,
            );
          },
          (exports) =>
            exports &&
            this._unwrap(exports.RedisQueueBackend.prototype, 'setQueueMeta'),
        ),
        file(
          'job-scheduler.js',
          (exports) => {
            if (this.keepInternals) return;
            this._wrap(
              exports.JobScheduler.prototype,
              'upsertJobScheduler',
              wrapUpsertJobScheduler,
            );
          },
          (exports) =>
            exports &&
            this._unwrap(exports.JobScheduler.prototype, 'upsertJobScheduler'),
        ),
      ],
    );
  }
}
