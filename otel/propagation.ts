/**
 * Decides which outgoing requests carry trace context (`traceparent`,
 * `tracestate`, `baggage`), and what baggage may contain.
 *
 * A propagator's `inject` is handed a carrier, never the destination, so the
 * decision is made in the instrumentations' request hooks, which see it:
 * - undici (`fetch`) calls `requestHook` before injecting; the hook marks
 *   the request's span, and `ContextGuardPropagator` injects nothing for a
 *   marked span;
 * - `http` calls `requestHook` after injecting but before the request's
 *   headers are sent; the hook removes the propagator's headers again.
 * Both hooks run for sampled and unsampled requests alike.
 *
 * By default (`private`) trace context goes to loopback and private
 * addresses and to internal host names (no dot, or ending in `.local`,
 * `.internal`, `.localhost`, `.svc`, `.cluster.local` or `.home.arpa`), and
 * not to third-party APIs such as a payment processor.
 */
import { ClientRequest } from 'node:http';
import { BlockList, isIP } from 'node:net';
import {
  propagation,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isSecretKey, redactString } from './redaction';

const INTERNAL_SUFFIXES = [
  '.local',
  '.internal',
  '.localhost',
  '.svc',
  '.cluster.local',
  '.home.arpa',
];

/** Loopback, RFC 1918, shared (RFC 6598), link-local and unique local. */
const PRIVATE_NETWORKS = (() => {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('172.16.0.0', 12, 'ipv4');
  list.addSubnet('192.168.0.0', 16, 'ipv4');
  list.addSubnet('100.64.0.0', 10, 'ipv4');
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addAddress('::1', 'ipv6');
  list.addSubnet('fc00::', 7, 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list;
})();

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function isPrivateHost(host: string): boolean {
  const name = stripBrackets(host.toLowerCase()).replace(/\.$/, '');
  const family = isIP(name);
  if (family === 4) return PRIVATE_NETWORKS.check(name, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
    return mapped
      ? PRIVATE_NETWORKS.check(mapped[1], 'ipv4')
      : PRIVATE_NETWORKS.check(name, 'ipv6');
  }
  if (name === 'localhost' || !name.includes('.')) return true;
  return INTERNAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** Decides from `TELEMETRY_PROPAGATE_TO` entries whether a host gets context. */
export class PropagationPolicy {
  private readonly everywhere: boolean;
  private readonly privateHosts: boolean;
  private readonly hosts: Set<string>;
  private readonly suffixes: string[];

  constructor(readonly entries: readonly string[]) {
    this.everywhere = entries.includes('*');
    this.privateHosts = entries.includes('private');
    this.hosts = new Set(entries.filter((e) => !e.startsWith('.')));
    this.suffixes = entries.filter((e) => e.startsWith('.'));
  }

  allows(host: string | undefined): boolean {
    if (this.everywhere) return true;
    if (!host) return false;
    const name = stripBrackets(host.toLowerCase()).replace(/\.$/, '');
    if (this.hosts.has(name)) return true;
    // `.example.com` covers example.com and every host below it.
    for (const suffix of this.suffixes) {
      if (name.endsWith(suffix) || name === suffix.slice(1)) return true;
    }
    return this.privateHosts && isPrivateHost(name);
  }

  describe(): string {
    if (this.everywhere) return 'every host';
    if (this.entries.length === 0) return 'no host';
    return this.entries
      .map((entry) => (entry === 'private' ? 'private hosts' : entry))
      .join(', ');
  }
}

/** Spans of outgoing requests that must not carry trace context. */
const withoutContext = new WeakSet<Span>();

function hostOfOrigin(origin: unknown): string | undefined {
  try {
    return new URL(String(origin)).hostname;
  } catch {
    return undefined;
  }
}

/** `requestHook` for `@opentelemetry/instrumentation-undici`. */
export function undiciRequestHook(policy: PropagationPolicy) {
  return (span: Span, request: { origin?: unknown }): void => {
    if (!policy.allows(hostOfOrigin(request.origin))) withoutContext.add(span);
  };
}

/** `requestHook` for `@opentelemetry/instrumentation-http`. */
export function httpRequestHook(policy: PropagationPolicy) {
  return (_span: Span, request: unknown): void => {
    // The same hook is called with incoming requests.
    if (!(request instanceof ClientRequest)) return;
    if (policy.allows(request.host)) return;
    if (request.headersSent) return;
    for (const field of propagation.fields()) request.removeHeader(field);
  };
}

/** Drops baggage entries whose key is a secret key or whose value contains a secret. */
function withSafeBaggage(context: Context): Context {
  const baggage = propagation.getBaggage(context);
  if (!baggage) return context;
  const unsafe = baggage
    .getAllEntries()
    .filter(
      ([key, entry]) => isSecretKey(key) || redactString(entry.value) !== entry.value,
    )
    .map(([key]) => key);
  if (unsafe.length === 0) return context;
  return propagation.setBaggage(context, baggage.removeEntries(...unsafe));
}

/**
 * Wraps the configured propagator: injects nothing for requests the policy
 * refuses, and never injects baggage entries that match the redaction rules.
 * Extraction is unchanged.
 */
export class ContextGuardPropagator implements TextMapPropagator {
  constructor(private readonly inner: TextMapPropagator) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpan(context);
    if (span && withoutContext.has(span)) return;
    this.inner.inject(withSafeBaggage(context), carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.inner.extract(context, carrier, getter);
  }

  fields(): string[] {
    return this.inner.fields();
  }
}
