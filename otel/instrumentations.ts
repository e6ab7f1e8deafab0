/**
 * The instrumentations the gateway enables, each configured for a service
 * that ships its own telemetry. Health checks and the exporters' own
 * requests produce no spans. Express still names the route, but its
 * middleware and handler layers make no spans of their own: in a NestJS app
 * the Nest spans already time the handler. Redis commands only appear inside
 * a trace that already exists. Prisma's spans for compiling a query and
 * serializing its result are left out unless requested, because they were 10
 * of the 33 spans of a payment. The operation and SQL spans stay.
 *
 * An instrumentation only patches its library when the app loads it; Prisma's
 * is also loaded only then, because it brings its own copy of the
 * instrumentation base.
 */
import type { IncomingMessage, RequestOptions } from 'node:http';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  type Instrumentation,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import type { GatewayConfig } from './config';
import { BullMQTelemetryInstrumentation } from './bullmq';
import { QueueDepthMonitor } from './queue-depth';
import { log } from './diag';
import {
  httpRequestHook,
  PropagationPolicy,
  undiciRequestHook,
} from './propagation';

/** Path of Sentry's envelope endpoint, which the Sentry SDK posts errors to. */
const SENTRY_ENVELOPE_PATH = /^\/api\/\d+\/envelope\/?/;

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** True for requests the gateway itself sends to a destination. */
function isExportRequest(path: string, exportPaths: string[]): boolean {
  return SENTRY_ENVELOPE_PATH.test(path) || exportPaths.includes(path);
}

/** Spans Prisma makes around its own work, one pair per operation. */
const PRISMA_INTERNAL_SPANS = ['prisma:client:compile', 'prisma:client:serialize'];

/**
 * Enables `@prisma/instrumentation` when the app first loads the Prisma
 * client runtime, so a process without Prisma never loads it.
 */
class LazyPrismaInstrumentation extends InstrumentationBase {
  private prisma?: Instrumentation;
  private readonly ignoreSpanTypes: string[];

  constructor(keepInternals: boolean) {
    super('otel-gateway-prisma-loader', '1.0.0', {});
    this.ignoreSpanTypes = keepInternals ? [] : PRISMA_INTERNAL_SPANS;
  }

  protected init() {
    const versions = ['>=6.0.0'];
    const enable = <T>(exports: T): T => {
      this.enablePrisma();
      return exports;
    };
    return new InstrumentationNodeModuleDefinition(
      '@prisma/client',
      versions,
      enable,
      undefined,
      [
        new InstrumentationNodeModuleFile(
          '@prisma/client/runtime/client.js',
          versions,
          enable,
          () => undefined,
        ),
      ],
    );
  }

  private enablePrisma(): void {
    if (this.prisma) return;
    try {
      const { PrismaInstrumentation } = require(
        '@prisma/instrumentation',
      ) as typeof import('@prisma/instrumentation');
      this.prisma = new PrismaInstrumentation({
        ignoreSpanTypes: this.ignoreSpanTypes,
      });
      this.prisma.enable();
    } catch (error) {
      log.error(`cannot enable the Prisma instrumentation: ${String(error)}`);
    }
  }

  override disable(): void {
    super.disable();
    this.prisma?.disable();
  }
}

/**
 * Calls `onLoad` once, when the app first loads the module `name` (its main
 * entry). Used to start a route's SDK early when the app uses that SDK
 * itself.
 */
interface ModuleLoadHookConfig extends InstrumentationConfig {
  moduleName: string;
  onLoad: () => void;
}

export class ModuleLoadHook extends InstrumentationBase<ModuleLoadHookConfig> {
  private fired = false;

  constructor(moduleName: string, onLoad: () => void) {
    // The base class calls init() from its constructor, before subclass
    // fields exist, so the settings travel in the config.
    super(`otel-gateway-load-hook-${moduleName}`, '1.0.0', { moduleName, onLoad });
  }

  protected init() {
    const { moduleName } = this.getConfig();
    return new InstrumentationNodeModuleDefinition(moduleName, ['*'], <T>(exports: T): T => {
      this.fire();
      return exports;
    });
  }

  private fire(): void {
    if (this.fired) return;
    this.fired = true;
    const { moduleName, onLoad } = this.getConfig();
    try {
      onLoad();
    } catch (error) {
      log.error(`cannot run the load hook of ${moduleName}: ${String(error)}`);
    }
  }
}

export function createInstrumentations(
  config: GatewayConfig,
  exportPaths: string[],
): Instrumentation[] {
  const { HttpInstrumentation } = require(
    '@opentelemetry/instrumentation-http',
  ) as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require(
    '@opentelemetry/instrumentation-undici',
  ) as typeof import('@opentelemetry/instrumentation-undici');
  const { ExpressInstrumentation, ExpressLayerType } = require(
    '@opentelemetry/instrumentation-express',
  ) as typeof import('@opentelemetry/instrumentation-express');
  const { NestInstrumentation } = require(
    '@opentelemetry/instrumentation-nestjs-core',
  ) as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { IORedisInstrumentation } = require(
    '@opentelemetry/instrumentation-ioredis',
  ) as typeof import('@opentelemetry/instrumentation-ioredis');
  const { PinoInstrumentation } = require(
    '@opentelemetry/instrumentation-pino',
  ) as typeof import('@opentelemetry/instrumentation-pino');
  const { WinstonInstrumentation } = require(
    '@opentelemetry/instrumentation-winston',
  ) as typeof import('@opentelemetry/instrumentation-winston');

  const untraced = new Set(config.untracedPaths);
  const propagateTo = new PropagationPolicy(config.propagateTo);

  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) =>
        untraced.has(pathOf(request.url)),
      ignoreOutgoingRequestHook: (options: RequestOptions) =>
        isExportRequest(pathOf(options.path ?? undefined), exportPaths),
      requestHook: httpRequestHook(propagateTo),
    }),
    new UndiciInstrumentation({
      ignoreRequestHook: (request) =>
        isExportRequest(pathOf(request.path), exportPaths),
      requestHook: undiciRequestHook(propagateTo),
    }),
    new ExpressInstrumentation({
      ignoreLayersType: [
        ExpressLayerType.MIDDLEWARE,
        ExpressLayerType.REQUEST_HANDLER,
      ],
    }),
    new NestInstrumentation(),
    new IORedisInstrumentation({ requireParentSpan: true }),
    // Apps that log with pino or winston get trace ids in their records and
    // the records in the Logs SDK, so they reach the same log route.
    new PinoInstrumentation(),
    new WinstonInstrumentation(),
    new LazyPrismaInstrumentation(config.tracePrismaInternals),
    new BullMQTelemetryInstrumentation(
      config.traceQueueInternals,
      config.serviceVersion,
      new QueueDepthMonitor(config.metricsIntervalMillis),
    ),
  ];
}
