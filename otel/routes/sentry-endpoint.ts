/**
 * Sentry's OTLP traces endpoint for a DSN, computed without loading the
 * Sentry SDK (which takes about 0.3 s and 45 MiB to load, measured on Node
 * 24). Same result as `getOtlpTracesEndpoint` of `@sentry/node` 11; a test
 * compares the two.
 */

/** The `sentry_version` of Sentry's envelope and OTLP auth header. */
const SENTRY_API_VERSION = '7';

/** Same pattern as the SDK's DSN parser, so both accept the same DSNs. */
const DSN = /^(?:(\w+):)\/\/(?:(\w+)(?::(\w+)?)?@)((?:\[[:.%\w]+\]|[\w.-]+))(?::(\d+))?\/(.+)/;

export interface OtlpEndpoint {
  url: string;
  headers: Record<string, string>;
}

export function otlpTracesEndpoint(dsn: string): OtlpEndpoint | undefined {
  const match = DSN.exec(dsn);
  if (!match) return undefined;
  const [, protocol, publicKey, , host, port = '', rest] = match;

  let path = '';
  let projectId = rest;
  const split = rest.split('/');
  if (split.length > 1) {
    path = split.slice(0, -1).join('/');
    projectId = split[split.length - 1];
  }
  const projectMatch = /^\d+/.exec(projectId);
  if (projectMatch) projectId = projectMatch[0];
  if (!projectId || (protocol !== 'http' && protocol !== 'https')) return undefined;

  const basePath = path ? `/${path}` : '';
  const portSuffix = port ? `:${port}` : '';
  return {
    url: `${protocol}://${host}${portSuffix}${basePath}/api/${projectId}/integration/otlp/v1/traces/`,
    headers: {
      'X-Sentry-Auth': `Sentry sentry_version=${SENTRY_API_VERSION}, sentry_key=${publicKey}`,
    },
  };
}
