/**
 * docker-compose.yml, read as data: no Docker engine runs here, so the
 * services, ports, variables and start-up order are checked against
 * .env.example, the collector config and the README.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../scripts/lib/processes.mts';
import { readEnvFile } from '../scripts/lib/env-file.mts';
import {
  expandConfig,
  mergeConfigs,
} from '../scripts/lib/collector/resolve.mts';

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
const services: Record<string, any> = compose.services;
const example = readEnvFile(join(ROOT, '.env.example'));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function exampleValue(name: string): string {
  const entry = example.get(name);
  assert.ok(entry, `${name} is in .env.example`);
  return entry.value;
}

/** Published ports as { host, published, target }. */
function ports(service: string) {
  return (services[service].ports ?? []).map((spec: string) => {
    const [host, published, target] = String(spec).split(':');
    return { host, published: Number(published), target: Number(target) };
  });
}

function targets(service: string): number[] {
  return ports(service).map((port: { target: number }) => port.target);
}

/** The development collector config as the compose file runs it. */
function collectorConfig(): any {
  const merged = mergeConfigs(
    parse(readFileSync(join(ROOT, 'collector/base.yaml'), 'utf8')),
    parse(readFileSync(join(ROOT, 'collector/development.yaml'), 'utf8')),
  );
  const environment = services.collector.environment;
  return expandConfig(merged, new Map(Object.entries(environment)));
}

function portOf(endpoint: string): number {
  return Number(endpoint.split(':').pop());
}

describe('docker-compose.yml', () => {
  test('defines the stack', () => {
    assert.deepEqual(Object.keys(services).sort(), [
      'api',
      'collector',
      'migrate',
      'postgres',
      'redis',
      'worker',
    ]);
  });

  test('publishes ports on loopback only', () => {
    for (const name of Object.keys(services)) {
      for (const port of ports(name)) {
        assert.equal(port.host, '127.0.0.1', `${name} ${port.published}`);
      }
    }
  });

  test('Postgres matches DATABASE_URL', () => {
    const url = new URL(exampleValue('DATABASE_URL'));
    const env = services.postgres.environment;
    assert.equal(env.POSTGRES_USER, url.username);
    assert.equal(env.POSTGRES_PASSWORD, url.password);
    assert.equal(env.POSTGRES_DB, url.pathname.slice(1));
    assert.deepEqual(ports('postgres'), [
      { host: '127.0.0.1', published: Number(url.port), target: 5432 },
    ]);
    assert.ok(services.postgres.healthcheck, 'a health check');
  });

  test('Redis persists and never evicts', () => {
    const command: string[] = services.redis.command.map(String);
    const option = (name: string) => command[command.indexOf(name) + 1];
    assert.equal(option('--appendonly'), 'yes');
    assert.equal(option('--maxmemory-policy'), 'noeviction');
    const url = new URL(exampleValue('REDIS_URL'));
    assert.deepEqual(ports('redis'), [
      { host: '127.0.0.1', published: Number(url.port), target: 6379 },
    ]);
    assert.ok(services.redis.healthcheck, 'a health check');
  });

  test('collector runs contrib with the development overlay', () => {
    const collector = services.collector;
    assert.match(collector.image, /^otel\/opentelemetry-collector-contrib:/);
    assert.deepEqual(collector.command, [
      '--config=/etc/otelcol/base.yaml',
      '--config=/etc/otelcol/development.yaml',
    ]);
    assert.ok(collector.volumes.includes('./collector:/etc/otelcol:ro'));
    assert.equal(collector.environment.OTELCOL_BIND_ADDRESS, '0.0.0.0');
    assert.equal(collector.healthcheck, undefined, 'the image cannot run one');
  });

  test('collector ports match its config', () => {
    const config = collectorConfig();
    const protocols = config.receivers.otlp.protocols;
    const expected = [
      portOf(protocols.grpc.endpoint),
      portOf(protocols.http.endpoint),
      portOf(config.extensions.health_check.endpoint),
      portOf(config.extensions.pprof.endpoint),
      portOf(config.extensions.zpages.endpoint),
    ];
    assert.deepEqual(targets('collector'), expected);
    for (const endpoint of [
      protocols.grpc.endpoint,
      protocols.http.endpoint,
      config.extensions.health_check.endpoint,
    ]) {
      assert.match(endpoint, /^0\.0\.0\.0:/, 'reachable from other services');
    }
  });

  test('app services reach the stack by service name', () => {
    const databaseUrl = new URL(exampleValue('DATABASE_URL'));
    databaseUrl.hostname = 'postgres';
    const redisUrl = new URL(exampleValue('REDIS_URL'));
    redisUrl.hostname = 'redis';
    const httpPort = portOf(collectorConfig().receivers.otlp.protocols.http.endpoint);

    for (const name of ['migrate', 'api', 'worker']) {
      const env = services[name].environment;
      assert.equal(
        env.DATABASE_URL,
        databaseUrl.toString().replace(/\/$/, ''),
        `${name} DATABASE_URL`,
      );
    }
    for (const name of ['api', 'worker']) {
      const env = services[name].environment;
      assert.equal(env.REDIS_URL, redisUrl.toString().replace(/\/$/, ''), name);
      assert.equal(
        env.OTEL_EXPORTER_OTLP_ENDPOINT,
        `http://collector:${httpPort}`,
        name,
      );
    }
  });

  test('API port matches PORT', () => {
    const port = Number(exampleValue('PORT'));
    assert.equal(Number(services.api.environment.PORT), port);
    assert.deepEqual(targets('api'), [port]);
    const probe = services.api.healthcheck.test.join(' ');
    assert.ok(probe.includes(`http://127.0.0.1:${port}/health`), probe);
    assert.equal(services.api.environment.WORKERS, 'off');
  });

  test('worker claims no health check', () => {
    assert.equal(services.worker.healthcheck, undefined);
    assert.deepEqual(services.worker.ports ?? [], []);
    assert.deepEqual(services.worker.command.slice(-1), ['dist/worker.js']);
  });

  test('every app variable is in .env.example', () => {
    for (const name of ['collector', 'migrate', 'api', 'worker']) {
      for (const variable of Object.keys(services[name].environment ?? {})) {
        assert.ok(example.has(variable), `${name}: ${variable}`);
      }
    }
  });

  test('.env is optional and read after .env.example', () => {
    for (const name of ['collector', 'api', 'worker']) {
      assert.deepEqual(
        services[name].env_file,
        [{ path: '.env.example' }, { path: '.env', required: false }],
        name,
      );
    }
  });

  test('depends_on conditions match the services', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries<any>(
        service.depends_on ?? {},
      )) {
        const target = services[dependency];
        assert.ok(target, `${name} depends on a defined service`);
        if (condition === 'service_healthy') {
          assert.ok(target.healthcheck, `${name} waits for ${dependency}'s health check`);
        } else if (condition === 'service_completed_successfully') {
          assert.equal(target.restart, 'no', `${dependency} runs once`);
        } else {
          assert.equal(condition, 'service_started', `${name} -> ${dependency}`);
          assert.equal(target.healthcheck, undefined, `${dependency} has a health check to wait for`);
        }
      }
    }
    assert.equal(services.api.depends_on.migrate.condition, 'service_completed_successfully');
    assert.equal(services.worker.depends_on.migrate.condition, 'service_completed_successfully');
    assert.equal(services.migrate.depends_on.postgres.condition, 'service_healthy');
  });

  test('README commands name real services', () => {
    const commands = readme.match(/docker compose up -d[a-z ]*/g) ?? [];
    assert.ok(commands.length > 0, 'README shows a compose command');
    for (const command of commands) {
      const names = command.replace('docker compose up -d', '').trim().split(/\s+/);
      for (const name of names.filter(Boolean)) {
        assert.ok(services[name], `README names service ${name}`);
      }
    }
  });
});
