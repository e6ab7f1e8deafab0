/**
 * The two things the collector does to its config files before it reads
 * them: it merges the files given as several `--config` flags (maps merge
 * key by key, lists and scalars from a later file replace earlier ones) and
 * it expands `${env:NAME}` references (an unset variable becomes an empty
 * string, `${env:NAME:-default}` falls back to the default when NAME is
 * unset or empty, and `$$` is a literal `$`).
 */

export type ConfigMap = { [key: string]: unknown };

export function isMap(value: unknown): value is ConfigMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `overlay` onto `base` the way the collector merges config files. */
export function mergeConfigs(base: unknown, overlay: unknown): unknown {
  if (!isMap(base) || !isMap(overlay)) return overlay;
  const merged: ConfigMap = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    merged[key] = key in base ? mergeConfigs(base[key], value) : value;
  }
  return merged;
}

export interface StringValue {
  /** Dotted path such as `exporters.otlphttp/sentry.headers.x-sentry-auth`. */
  path: string;
  /** The map key the string sits under, or undefined for a list item. */
  key?: string;
  value: string;
}

/** Lists every string in a parsed config with its path. */
export function collectStrings(node: unknown, path = ''): StringValue[] {
  if (typeof node === 'string') return [{ path, value: node }];
  if (Array.isArray(node)) {
    return node.flatMap((item, index) =>
      collectStrings(item, `${path}[${index}]`),
    );
  }
  if (!isMap(node)) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const childPath = path ? `${path}.${key}` : key;
    if (typeof value === 'string') return [{ path: childPath, key, value }];
    return collectStrings(value, childPath);
  });
}

export interface EnvReference {
  name: string;
  /** The text after `:-`, when the reference has a default. */
  fallback?: string;
  /** The provider, such as `env` or `file`; `env` when none is written. */
  provider: string;
  /** The reference as written, for messages. */
  text: string;
}

// `$$` first, so that `$${env:X}` is a literal `$` followed by `{env:X}`.
const REFERENCE = /\$\$|\$\{([^}]*)\}/g;
const ENV_NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

function parseReference(text: string, inner: string): EnvReference {
  const colon = inner.indexOf(':');
  const hasProvider = colon > 0 && !inner.startsWith(':-', colon);
  const provider = hasProvider ? inner.slice(0, colon) : 'env';
  const rest = hasProvider ? inner.slice(colon + 1) : inner;
  const match = ENV_NAME.exec(rest);
  return {
    name: match ? match[1] : rest,
    fallback: match?.[2],
    provider,
    text,
  };
}

export function findReferences(value: string): EnvReference[] {
  const references: EnvReference[] = [];
  for (const match of value.matchAll(REFERENCE)) {
    if (match[0] === '$$') continue;
    references.push(parseReference(match[0], match[1]));
  }
  return references;
}

/** Expands references in one string against `variables`. */
export function expandString(
  value: string,
  variables: ReadonlyMap<string, string>,
): string {
  return value.replace(REFERENCE, (text: string, inner?: string) => {
    if (text === '$$') return '$';
    const reference = parseReference(text, inner ?? '');
    const found = variables.get(reference.name);
    const unset = found === undefined || found === '';
    if (unset && reference.fallback !== undefined) return reference.fallback;
    return found ?? '';
  });
}

/** Expands every string of a parsed config. */
export function expandConfig(
  node: unknown,
  variables: ReadonlyMap<string, string>,
): unknown {
  if (typeof node === 'string') return expandString(node, variables);
  if (Array.isArray(node)) {
    return node.map((item) => expandConfig(item, variables));
  }
  if (!isMap(node)) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      expandConfig(value, variables),
    ]),
  );
}
