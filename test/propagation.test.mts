/**
 * Trace context only goes to the hosts `TELEMETRY_PROPAGATE_TO` allows, and
 * baggage never carries entries that match the redaction rules. Black box:
 * a fixture app with the preload calls a loopback echo server, directly and
 * as "api.example.com" through Node's built-in proxy support
 * (NODE_USE_ENV_PROXY), with the echo server as the proxy. No request
 * leaves 127.0.0.1 and no name is looked up.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { startService, waitFor } from '../scripts/lib/processes.mts';
import { serviceEnv } from './support/env.mts';

const require = createRequire(import.meta.url);
const { isPrivateHost, PropagationPolicy } = require('../otel/propagation.js') as typeof import('../otel/propagation.ts');

describe('PropagationPolicy', () => {
  const privateHosts = [
    '127.0.0.1', '127.9.9.9', '::1', '[::1]', '10.1.2.3', '172.16.0.1', '172.31.255.255',
    '192.168.1.10', '100.64.0.1', '169.254.169.254', 'fd12:3456::1', 'fe80::1', '::ffff:10.0.0.1',
    'localhost', 'payments-api', 'redis', 'api.internal', 'db.svc', 'x.cluster.local', 'printer.local',
    'app.localhost', 'nas.home.arpa',
  ];
  const publicHosts = [
    'api.paystack.co', 'vtpass.com', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:4860::8888',
    '::ffff:8.8.8.8', 'internal.example.com', 'localhost.example.com',
  ];
  for (const host of privateHosts) {
    test(`${host} is private`, () => assert.equal(isPrivateHost(host), true));
  }
  for (const host of publicHosts) {
    test(`${host} is public`, () => assert.equal(isPrivateHost(host), false));
  }

  test('default allows private hosts only', () => {
    const policy = new PropagationPolicy(['private']);
    assert.equal(policy.allows('10.0.0.5'), true);
    assert.equal(policy.allows('api.paystack.co'), false);
    assert.equal(policy.allows(undefined), false);
  });

  test('exact hosts and suffixes', () => {
    const policy = new PropagationPolicy(['.partner.example', 'api.vtpass.com', '203.0.113.7']);
    assert.equal(policy.allows('partner.example'), true);
    assert.equal(policy.allows('eu.api.partner.example'), true);
    assert.equal(policy.allows('API.VTPASS.COM.'), true);
    assert.equal(policy.allows('203.0.113.7'), true);
    assert.equal(policy.allows('sandbox.vtpass.com'), false);
    assert.equal(policy.allows('notpartner.example'), false);
    assert.equal(policy.allows('127.0.0.1'), false, 'private is not implied');
  });

  test('star allows every host, an empty list none', () => {
    assert.equal(new PropagationPolicy(['*']).allows('api.paystack.co'), true);
    assert.equal(new PropagationPolicy([]).allows('127.0.0.1'), false);
  });
});

/** Client spans (kind 3) in the local sink, as server.address values. */
function clientSpanHosts(dir: string): string[] {
  const file = join(dir, 'traces.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line).resourceSpans)
    .flatMap((rs: any) => rs.scopeSpans)
    .flatMap((ss: any) => ss.spans)
    .filter((span: any) => span.kind === 3)
    .map((span: any) => span.attributes.find((a: any) => a.key === 'server.address')?.value.stringValue);
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
}

describe('outgoing trace context', () => {
  let echo: Server;
  let port: number;
  let received: Received[] = [];

  before(async () => {
    echo = createServer((request, response) => {
      // Through the proxy, http sends the absolute URL as the path.
      const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
      received.push({ path, headers: request.headers });
      response.end('ok');
    });
    // fetch reaches a proxy through a CONNECT tunnel; the tunnelled
    // request is served by this same server.
    echo.on('connect', (_request, socket) => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      echo.emit('connection', socket);
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    port = (echo.address() as AddressInfo).port;
  });

  after(() => {
    echo.closeAllConnections();
    echo.close();
  });

  /** Runs the fixture against loopback and "api.example.com"; returns headers by path. */
  async function run(env: Record<string, string> = {}) {
    received = [];
    const targets = [
      { client: 'http', url: `http://127.0.0.1:${port}/http-loopback` },
      { client: 'fetch', url: `http://127.0.0.1:${port}/fetch-loopback` },
      { client: 'http', url: `http://api.example.com:${port}/http-public` },
      { client: 'fetch', url: `http://api.example.com:${port}/fetch-public` },
    ];
    const fixtureEnv = serviceEnv({
        NODE_USE_ENV_PROXY: '1',
        HTTP_PROXY: `http://127.0.0.1:${port}`,
        NO_PROXY: '127.0.0.1',
        TARGETS: JSON.stringify(targets),
        ...env,
      });
    const app = startService({ script: 'test/fixtures/outgoing-app.cjs', env: fixtureEnv });
    await waitFor(() => (/^(DONE|FAILED)/m.test(app.output()) ? true : undefined), 15_000, 'the fixture to finish');
    await app.stop();
    assert.match(app.output(), /^DONE/m, app.output());
    const byPath = Object.fromEntries(received.map((r) => [r.path, r.headers]));
    assert.deepEqual(Object.keys(byPath).sort(), ['/fetch-loopback', '/fetch-public', '/http-loopback', '/http-public']);
    assert.equal(byPath['/http-public'].host, `api.example.com:${port}`, 'the proxy saw the public name');
    return { byPath, output: app.output(), sinkDir: fixtureEnv.TELEMETRY_LOCAL_DIR };
  }

  test('default sends context to loopback, not to public hosts', async () => {
    const { byPath, output, sinkDir } = await run();
    for (const path of ['/http-loopback', '/fetch-loopback']) {
      assert.match(String(byPath[path].traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, path);
    }
    for (const path of ['/http-public', '/fetch-public']) {
      assert.equal(byPath[path].traceparent, undefined, `${path} traceparent`);
      assert.equal(byPath[path].tracestate, undefined, `${path} tracestate`);
      assert.equal(byPath[path].baggage, undefined, `${path} baggage`);
    }
    assert.ok(
      output.includes('[otel-gateway] info: trace context: sent to private hosts (TELEMETRY_PROPAGATE_TO); baggage entries matching the redaction rules are never sent'),
      'start-up summary line',
    );
    // Only the headers are held back: the calls are still traced.
    assert.deepEqual(
      clientSpanHosts(sinkDir).sort(),
      ['127.0.0.1', '127.0.0.1', 'api.example.com', 'api.example.com'],
    );
  });

  test('baggage keeps harmless entries only', async () => {
    const { byPath } = await run();
    for (const path of ['/http-loopback', '/fetch-loopback']) {
      assert.equal(byPath[path].baggage, 'tenant=acme', path);
    }
  });

  test('none sends context nowhere', async () => {
    const { byPath } = await run({ TELEMETRY_PROPAGATE_TO: 'none' });
    for (const headers of Object.values(byPath)) {
      assert.equal(headers.traceparent, undefined);
      assert.equal(headers.baggage, undefined);
    }
  });

  test('a suffix allows its hosts only', async () => {
    const { byPath } = await run({ TELEMETRY_PROPAGATE_TO: '.example.com' });
    assert.ok(byPath['/http-public'].traceparent, 'http to api.example.com');
    assert.ok(byPath['/fetch-public'].traceparent, 'fetch to api.example.com');
    assert.equal(byPath['/http-loopback'].traceparent, undefined);
    assert.equal(byPath['/fetch-loopback'].traceparent, undefined);
  });

  test('star sends context everywhere', async () => {
    const { byPath } = await run({ TELEMETRY_PROPAGATE_TO: '*' });
    for (const [path, headers] of Object.entries(byPath)) {
      assert.ok(headers.traceparent, `${path} traceparent`);
      assert.equal(headers.baggage, 'tenant=acme', `${path} baggage`);
    }
  });
});
