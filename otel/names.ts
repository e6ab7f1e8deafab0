/**
 * Telemetry names the gateway writes or reads, in one place. Standard keys
 * follow the OpenTelemetry semantic conventions; `sentry.op` is the key
 * Sentry's Queues view groups spans by.
 */
export const ATTR = {
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  SERVICE_INSTANCE_ID: 'service.instance.id',
  DEPLOYMENT_ENVIRONMENT: 'deployment.environment.name',
  PROCESS_PID: 'process.pid',
  PROCESS_COMMAND: 'process.command',
  PROCESS_RUNTIME_VERSION: 'process.runtime.version',
  TELEMETRY_SDK_NAME: 'telemetry.sdk.name',
  TELEMETRY_DISTRO_NAME: 'telemetry.distro.name',
  TELEMETRY_DISTRO_VERSION: 'telemetry.distro.version',

  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
  EXCEPTION_STACKTRACE: 'exception.stacktrace',

  SENTRY_OP: 'sentry.op',
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
  MESSAGING_MESSAGE_RETRY_COUNT: 'messaging.message.retry.count',
  /** Milliseconds from `add` to the start of the attempt. */
  MESSAGING_MESSAGE_RECEIVE_LATENCY: 'messaging.message.receive.latency',
  MESSAGING_MESSAGE_BODY_SIZE: 'messaging.message.body.size',
  MESSAGING_BATCH_MESSAGE_COUNT: 'messaging.batch.message_count',

  BULLMQ_QUEUE_NAME: 'bullmq.queue.name',
  BULLMQ_QUEUE_OPERATION: 'bullmq.queue.operation',
  BULLMQ_JOB_ID: 'bullmq.job.id',
  BULLMQ_JOB_BULK_COUNT: 'bullmq.job.bulk.count',
  BULLMQ_JOB_SCHEDULER_ID: 'bullmq.job.scheduler.id',

  /** Names a product event to send when the span ends. */
  ANALYTICS_EVENT: 'analytics.event',
  /** The event's distinct id; `enduser.id` is used when absent. */
  ANALYTICS_DISTINCT_ID: 'analytics.distinct_id',
  /** Prefix of attributes that become the event's properties. */
  ANALYTICS_PROPERTY_PREFIX: 'analytics.property.',
  ENDUSER_ID: 'enduser.id',
  SENTRY_EVENT_ID: 'sentry.event_id',
} as const;

/** Property names the gateway adds to every product event. */
export const EVENT_PROPERTY = {
  TRACE_ID: 'trace_id',
  SPAN_ID: 'span_id',
  SERVICE: 'service',
  ENVIRONMENT: 'environment',
} as const;

export const DISTRO_NAME = 'otel-gateway';

/** Signals the local sink writes, one file each. */
export const LOCAL_SINK_FILES = {
  traces: 'traces.jsonl',
  logs: 'logs.jsonl',
  metrics: 'metrics.jsonl',
  events: 'events.jsonl',
} as const;
