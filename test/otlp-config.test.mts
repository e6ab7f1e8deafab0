/** Collector mode settings: the OTEL_EXPORTER_OTLP_* variables for traces. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

const require = createRequire(import.meta.url);
const { configFromEnv } = require('../otel/config.js') as typeof import('../otel/config.ts');

const cwd = process.cwd();

function read(env: Record<string, string>) {
  return configFromEnv(env, cwd);
}

describe('collector mode config', () => {
  test('off without an endpoint', () => {
    const { config, warnings } = read({ OTEL_EXPORTER_OTLP_HEADERS: 'a=b' });
    assert.equal(config.otlp, undefined);
    assert.deepEqual(warnings, []);
  });

  test('base endpoint gets /v1/traces', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/otlp/',
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.otlp?.endpoint, 'http://collector:4318/otlp');
    assert.deepEqual(config.otlp?.traces, {
      url: 'http://collector:4318/otlp/v1/traces',
      urlVariable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      headers: {},
      protocol: 'http/protobuf',
      compression: 'none',
      timeoutMillis: undefined,
    });
  });

  test('traces endpoint is used as it is', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.test/ingest',
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.otlp?.traces.url, 'https://traces.example.test/ingest');
    assert.equal(
      config.otlp?.traces.urlVariable,
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    );
    assert.equal(config.otlp?.endpoint, 'http://collector:4318');
  });

  test('traces endpoint alone turns collector mode on', () => {
    const { config } = read({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
    });
    assert.equal(config.otlp?.endpoint, undefined);
    assert.equal(config.otlp?.traces.url, 'http://collector:4318/v1/traces');
  });

  test('bad traces endpoint falls back to base', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318/v1/traces',
    });
    assert.equal(config.otlp?.traces.url, 'http://collector:4318/v1/traces');
    assert.deepEqual(warnings, [
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="collector:4318/v1/traces" must use http or https; using OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces',
    ]);
  });

  test('bad traces endpoint alone leaves mode off', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url',
    });
    assert.equal(config.otlp, undefined);
    assert.deepEqual(warnings, [
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="not a url" is not a URL (expected http://host:4318/v1/traces); collector mode is off',
    ]);
  });

  test('bad base endpoint ignored beside traces endpoint', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
    });
    assert.equal(config.otlp?.traces.url, 'http://collector:4318/v1/traces');
    assert.equal(config.otlp?.endpoint, undefined);
    assert.deepEqual(warnings, [
      'OTEL_EXPORTER_OTLP_ENDPOINT="grpc://collector:4317" must use http or https; it is ignored',
    ]);
  });

  test('credentials in a bad endpoint are masked', () => {
    const { warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://app:hunter2@collector:4317',
    });
    assert.deepEqual(warnings, [
      'OTEL_EXPORTER_OTLP_ENDPOINT="grpc://***@collector:4317" must use http or https; collector mode is off',
    ]);
  });

  test('traces headers override shared headers', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20shared,x-team=pay',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20traces',
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.otlp?.headers, {
      authorization: 'Bearer shared',
      'x-team': 'pay',
    });
    assert.deepEqual(config.otlp?.traces.headers, {
      authorization: 'Bearer traces',
      'x-team': 'pay',
    });
  });

  test('protocol, compression and timeout', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'HTTP/JSON',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.otlp?.traces.protocol, 'http/json');
    assert.equal(config.otlp?.traces.compression, 'gzip');
    assert.equal(config.otlp?.traces.timeoutMillis, 2500);
  });

  test('grpc is named and replaced', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    assert.equal(config.otlp?.traces.protocol, 'http/protobuf');
    assert.deepEqual(warnings, [
      `OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported because the gateway exports OTLP over HTTP (point the endpoint at the collector's OTLP/HTTP port, usually 4318); using http/protobuf`,
    ]);
  });

  test('bad traces value falls back to shared one', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '0',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
    });
    assert.equal(config.otlp?.traces.protocol, 'http/json');
    assert.equal(config.otlp?.traces.timeoutMillis, 5000);
    assert.deepEqual(warnings, [
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="thrift" is not one of http/protobuf, http/json, grpc; using http/json from OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="0" is not an integer >= 1 (milliseconds); using 5000 from OTEL_EXPORTER_OTLP_TIMEOUT',
    ]);
  });

  test('bad values fall back to defaults', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd',
      OTEL_EXPORTER_OTLP_TIMEOUT: 'soon',
    });
    assert.equal(config.otlp?.traces.compression, 'none');
    assert.equal(config.otlp?.traces.timeoutMillis, undefined);
    assert.deepEqual(warnings, [
      'OTEL_EXPORTER_OTLP_COMPRESSION="zstd" is not one of gzip, none; using none',
      'OTEL_EXPORTER_OTLP_TIMEOUT="soon" is not an integer >= 1 (milliseconds); using OTEL_BSP_EXPORT_TIMEOUT',
    ]);
  });
});
