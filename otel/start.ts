/**
 * Reads the configuration, prints the start-up summary and builds the SDK.
 * Loaded by `register` only on the main thread and only once.
 */
import { configFromEnv } from './config';
import { log, setLogLevel } from './diag';
import { PropagationPolicy } from './propagation';
import { currentRedactor, describeRedaction } from './redaction';
import { startSdk } from './sdk';

function samplerSummary(name: string, ratio: number): string {
  return name.endsWith('traceidratio') ? `${name} (${ratio})` : name;
}

export function start(): void {
  const { config, warnings } = configFromEnv();
  setLogLevel(config.logLevel);
  for (const warning of warnings) log.warn(warning);

  if (config.disabled) {
    log.info('off: OTEL_SDK_DISABLED is true; the app runs uninstrumented');
    return;
  }

  const gateway = startSdk(config);

  log.info(
    `on: service ${config.serviceName}@${config.serviceVersion}, environment ${config.environment}, sampler ${samplerSummary(config.sampler.name, config.sampler.ratio)}`,
  );
  for (const route of gateway.routes) log.info(route.summary);
  log.info(describeRedaction(currentRedactor()));
  log.info(
    `trace context: sent to ${new PropagationPolicy(config.propagateTo).describe()} (TELEMETRY_PROPAGATE_TO); baggage entries matching the redaction rules are never sent`,
  );
}
