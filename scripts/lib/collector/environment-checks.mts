/**
 * Checks of one environment, base.yaml merged with its overlay: component
 * types, pipelines (defined components, processor order, every signal) and
 * exporter endpoints once variables are expanded. Each problem is one line;
 * the caller prefixes the environments it occurs in.
 */
import {
  componentType,
  KNOWN_COMPONENT_TYPES,
  section,
  SECTIONS,
  stringList,
} from './components.mts';
import type { ConfigFile } from './file-checks.mts';
import {
  expandConfig,
  findReferences,
  isMap,
  mergeConfigs,
  type ConfigMap,
} from './resolve.mts';

const SIGNALS = ['traces', 'logs', 'metrics'] as const;

const ENDPOINT_FIELDS = [
  'endpoint',
  'traces_endpoint',
  'logs_endpoint',
  'metrics_endpoint',
];

function checkComponentTypes(
  config: ConfigMap,
  problems: string[],
): void {
  for (const name of SECTIONS) {
    const known = KNOWN_COMPONENT_TYPES[name];
    for (const id of Object.keys(section(config, name))) {
      if (!known.includes(componentType(id))) {
        const list = known.length > 0 ? known.join(', ') : 'none';
        problems.push(`${name}.${id} has unknown component type "${componentType(id)}" (known ${name}: ${list}); fix the name or add the type to KNOWN_COMPONENT_TYPES in scripts/lib/collector/components.mts`);
      }
    }
  }
}

function checkReferenced(
  path: string,
  ids: string[],
  kind: string,
  defined: ConfigMap[],
  definedIn: string,
  problems: string[],
): void {
  for (const id of ids) {
    if (!defined.some((components) => id in components)) {
      problems.push(`${path} names ${kind} "${id}", which is not defined under ${definedIn}`);
    }
  }
}

function checkProcessorOrder(
  path: string,
  processors: string[],
  problems: string[],
): void {
  if (processors.length === 0) {
    problems.push(`${path} is empty; it needs memory_limiter first and batch last`);
    return;
  }
  const first = processors[0];
  const last = processors[processors.length - 1];
  if (componentType(first) !== 'memory_limiter') {
    problems.push(`${path} must start with memory_limiter, so the collector sheds load before other processors allocate (it starts with ${first})`);
  }
  if (componentType(last) !== 'batch') {
    problems.push(`${path} must end with batch, so exporters get whole batches (it ends with ${last})`);
  }
}

function checkPipelines(
  config: ConfigMap,
  problems: string[],
): void {
  const service = section(config, 'service');
  const pipelines = section(service, 'pipelines');
  const receivers = section(config, 'receivers');
  const processors = section(config, 'processors');
  const exporters = section(config, 'exporters');
  const connectors = section(config, 'connectors');

  checkReferenced(
    'service.extensions',
    stringList(service.extensions),
    'extension',
    [section(config, 'extensions')],
    'extensions',
    problems,
  );

  for (const signal of SIGNALS) {
    const ids = Object.keys(pipelines).map((id) => id.split('/')[0]);
    if (!ids.includes(signal)) {
      problems.push(`service.pipelines has no ${signal} pipeline; every environment needs traces, logs and metrics`);
    }
  }

  for (const [id, pipeline] of Object.entries(pipelines)) {
    const path = `service.pipelines.${id}`;
    if (!(SIGNALS as readonly string[]).includes(id.split('/')[0])) {
      problems.push(`${path} is not a traces, logs or metrics pipeline`);
    }
    const body = isMap(pipeline) ? pipeline : {};
    const pipelineReceivers = stringList(body.receivers);
    const pipelineProcessors = stringList(body.processors);
    const pipelineExporters = stringList(body.exporters);
    if (pipelineReceivers.length === 0) {
      problems.push(`${path}.receivers is empty`);
    }
    if (pipelineExporters.length === 0) {
      problems.push(`${path}.exporters is empty`);
    }
    checkReferenced(
      `${path}.receivers`,
      pipelineReceivers,
      'receiver',
      [receivers, connectors],
      'receivers',
      problems,
    );
    checkReferenced(
      `${path}.processors`,
      pipelineProcessors,
      'processor',
      [processors],
      'processors',
      problems,
    );
    checkReferenced(
      `${path}.exporters`,
      pipelineExporters,
      'exporter',
      [exporters, connectors],
      'exporters',
      problems,
    );
    checkProcessorOrder(`${path}.processors`, pipelineProcessors, problems);
  }
}

/** OTLP/HTTP exporter endpoints must be URLs once variables are expanded. */
function checkEndpoints(
  raw: ConfigMap,
  expanded: ConfigMap,
  envFileLabel: string,
  problems: string[],
): void {
  const rawExporters = section(raw, 'exporters');
  for (const [id, options] of Object.entries(section(expanded, 'exporters'))) {
    if (componentType(id) !== 'otlphttp' || !isMap(options)) continue;
    const rawOptions = section(rawExporters, id);
    const fields = ENDPOINT_FIELDS.filter((field) => field in options);
    if (fields.length === 0) {
      problems.push(`exporters.${id} sets no endpoint (endpoint or traces_endpoint, logs_endpoint, metrics_endpoint)`);
    }
    for (const field of fields) {
      const value = String(options[field]);
      if (/^https?:\/\/[^/]/.test(value)) continue;
      const names = findReferences(String(rawOptions[field] ?? ''))
        .map((reference) => reference.name)
        .join(', ');
      const fix = names ? `; set ${names} in ${envFileLabel}` : '';
      problems.push(`exporters.${id}.${field} is "${value}" once expanded with ${envFileLabel}, not an http(s) URL${fix}`);
    }
  }
}

export function checkEnvironment(
  files: ConfigFile[],
  variables: ReadonlyMap<string, string>,
  envFileLabel: string,
  problems: string[],
): void {
  const raw = files.reduce<unknown>(
    (merged, file) => mergeConfigs(merged, file.config),
    {},
  ) as ConfigMap;
  const expanded = expandConfig(raw, variables) as ConfigMap;
  checkComponentTypes(raw, problems);
  checkPipelines(raw, problems);
  checkEndpoints(raw, expanded, envFileLabel, problems);
}

