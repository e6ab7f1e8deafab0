/**
 * The component sections of a collector config and the contrib component
 * types this repository uses, with helpers to read a parsed config.
 */
import { isMap, type ConfigMap } from './resolve.mts';

export const SECTIONS = [
  'receivers',
  'processors',
  'exporters',
  'extensions',
  'connectors',
] as const;

export type Section = (typeof SECTIONS)[number];

/**
 * The contrib component types this repository uses. A type outside this
 * list is most often a typo; add a type here when a config starts using it.
 */
export const KNOWN_COMPONENT_TYPES: Record<Section, readonly string[]> = {
  receivers: ['otlp'],
  processors: [
    'batch',
    'filter',
    'memory_limiter',
    'redaction',
    'tail_sampling',
    'transform',
  ],
  exporters: ['debug', 'loadbalancing', 'otlphttp'],
  extensions: ['health_check', 'pprof', 'zpages'],
  connectors: [],
};

/** The type of a component id: `otlphttp` for `otlphttp/sentry`. */
export function componentType(id: string): string {
  return id.split('/')[0];
}

/** A map under `name`, or an empty map when it is absent or not a map. */
export function section(config: ConfigMap, name: string): ConfigMap {
  const value = config[name];
  return isMap(value) ? value : {};
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
