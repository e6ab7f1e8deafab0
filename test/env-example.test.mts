/**
 * .env.example documents every variable the project reads: the config
 * readers are run against an environment that records each name they ask
 * for, and the sources are scanned for direct `process.env` reads.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../scripts/lib/processes.mts';
import { readEnvFile } from '../scripts/lib/env-file.mts';
import { collectStrings, findReferences } from '../scripts/lib/collector/resolve.mts';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const { configFromEnv } = require('../otel/config.js') as typeof import('../otel/config.ts');
const { serviceConfigFromEnv } = require('../dist/config.js') as typeof import('../src/config.ts');

/** Variables of the operating system, read but not the project's to document. */
const SYSTEM_VARIABLES = new Set(['PATH', 'HOME']);

const ENV_FILE = join(ROOT, '.env.example');
const example = readEnvFile(ENV_FILE);

/**
 * Returns an environment that records every name read from it. `values`
 * turns on the optional parts (a Sentry DSN, a collector endpoint, a ratio
 * sampler) so that the variables read only behind them are read too.
 */
function recordingEnv(
  read: Set<string>,
  values: Record<string, string>,
): Record<string, string | undefined> {
  return new Proxy({} as Record<string, string | undefined>, {
    get(_target, name) {
      if (typeof name === 'string') read.add(name);
      return typeof name === 'string' ? values[name] : undefined;
    },
  });
}

function readByConfigModules(): Set<string> {
  const read = new Set<string>();
  configFromEnv(
    recordingEnv(read, {
      SENTRY_DSN: 'https://publickey@o1.ingest.example.test/1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
      LOGTAIL_SOURCE_TOKEN: 'REPLACE_WITH_TOKEN',
      POSTHOG_API_KEY: 'REPLACE_WITH_KEY',
    }),
    ROOT,
  );
  serviceConfigFromEnv(recordingEnv(read, {}));
  return read;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Names read directly: `process.env.NAME`, `process.env['NAME']`, `env.NAME`. */
function readInSources(): Map<string, string> {
  const found = new Map<string, string>();
  const pattern =
    /\b(?:process\.env|env)(?:\??\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g;
  for (const dir of ['src', 'otel', 'scripts']) {
    for (const file of sourceFiles(join(ROOT, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(pattern)) {
        found.set(match[1] ?? match[2], relative(ROOT, file));
      }
    }
  }
  return found;
}

function readByCollector(): Set<string> {
  const names = new Set<string>();
  for (const name of readdirSync(join(ROOT, 'collector'))) {
    if (!name.endsWith('.yaml')) continue;
    const config = parse(readFileSync(join(ROOT, 'collector', name), 'utf8'));
    for (const { value } of collectStrings(config)) {
      for (const reference of findReferences(value)) names.add(reference.name);
    }
  }
  return names;
}

describe('.env.example', () => {
  test('lists every variable the config modules read', () => {
    const read = readByConfigModules();
    // The recorder itself must work, or this test proves nothing.
    for (const known of [
      'DATABASE_URL',
      'REDIS_URL',
      'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
      'SENTRY_RELEASE',
      'LOGTAIL_ENDPOINT',
    ]) {
      assert.ok(read.has(known), `recorded ${known}`);
    }
    for (const name of read) {
      assert.ok(example.has(name), `${name} is missing from .env.example`);
    }
  });

  test('lists every variable read in sources', () => {
    const found = readInSources();
    for (const known of ['TELEMETRY_LOCAL_DIR', 'PRISMA_SCHEMA_ENGINE_BINARY']) {
      assert.ok(found.has(known), `found ${known}`);
    }
    for (const [name, file] of found) {
      if (SYSTEM_VARIABLES.has(name)) continue;
      assert.ok(example.has(name), `${name} (read in ${file}) is missing from .env.example`);
    }
  });

  test('lists only variables something reads', () => {
    const read = new Set([
      ...readByConfigModules(),
      ...readInSources().keys(),
      ...readByCollector(),
    ]);
    for (const name of example.keys()) {
      assert.ok(read.has(name), `${name} is in .env.example but nothing reads it`);
    }
  });

  test('secrets hold placeholders only', () => {
    const secretName = /(KEY|TOKEN|SECRET|PASSWORD|DSN)$/;
    for (const [name, { value }] of example) {
      if (!secretName.test(name) || value === '') continue;
      assert.match(value, /REPLACE/, `${name} holds a placeholder`);
    }
  });

  test('every variable has a comment', () => {
    const lines = readFileSync(ENV_FILE, 'utf8').split('\n');
    let commented = false;
    lines.forEach((line, index) => {
      if (line.startsWith('#')) commented = true;
      else if (line.trim() === '') commented = false;
      else {
        const name = line.split('=')[0];
        assert.ok(commented, `${name} on line ${index + 1} has a comment above it`);
      }
    });
  });
});
