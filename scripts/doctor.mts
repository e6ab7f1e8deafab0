/**
 * `npm run doctor`: reads the configuration the preload and the service
 * read, says which telemetry routes are on, and checks that each route's
 * endpoint answers and accepts its credentials, and that Postgres and Redis
 * answer. Prints one line per check and exits 1 if any check fails.
 *
 *   npm run doctor -- [--timeout-ms 3000]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { fail, formatLine, type CheckLine } from './lib/doctor/check-line.mts';
import {
  checkBetterStack,
  checkCollector,
  checkLocalSink,
  checkPostHog,
  checkSentry,
} from './lib/doctor/routes.mts';
import { checkPostgres, checkRedis } from './lib/doctor/stores.mts';
import { vendorSettingsFrom } from './lib/doctor/vendors.mts';

type GatewayConfigModule = typeof import('../otel/config.ts');
type ServiceConfigModule = typeof import('../src/config.ts');

function exitWith(code: number, message: string): never {
  console.error(message);
  process.exit(code);
}

const { values } = parseArgs({
  options: { 'timeout-ms': { type: 'string', default: '3000' } },
});
const timeoutMillis = Number(values['timeout-ms']);
if (!Number.isInteger(timeoutMillis) || timeoutMillis < 1) {
  exitWith(2, `error: --timeout-ms="${values['timeout-ms']}" is not an integer >= 1 (milliseconds)`);
}

const require = createRequire(import.meta.url);
let gateway: GatewayConfigModule;
let service: ServiceConfigModule;
try {
  gateway = require('../otel/config.js') as GatewayConfigModule;
  service = require('../dist/config.js') as ServiceConfigModule;
} catch {
  exitWith(2, 'error: otel/config.js or dist/config.js is missing; run npm run build first');
}

const env = process.env;
const { config, warnings } = gateway.configFromEnv(env, process.cwd());
const vendors = vendorSettingsFrom(config, env);

// The preload goes on with a default after each of these; the doctor
// reports them because the setting did not take effect.
const lines: CheckLine[] = warnings.map((warning) => fail('config', warning));

async function checkStores(): Promise<CheckLine[]> {
  let settings: ReturnType<ServiceConfigModule['serviceConfigFromEnv']>;
  try {
    settings = service.serviceConfigFromEnv(env);
  } catch (error) {
    return [fail('service', (error as Error).message)];
  }
  // The service goes on with a default after each of these.
  const ignored = settings.warnings.map((warning) => fail('service', warning));
  const stores = await Promise.all([
    checkPostgres(settings.config.databaseUrl, timeoutMillis),
    checkRedis(settings.config.redisUrl, timeoutMillis),
  ]);
  return [...ignored, ...stores];
}

const results = await Promise.all([
  checkSentry(config, Boolean(env.SENTRY_DSN?.trim()), timeoutMillis),
  checkCollector(config, timeoutMillis),
  Promise.resolve(checkLocalSink(config)),
  checkBetterStack(vendors.betterStack, timeoutMillis),
  checkPostHog(vendors.postHog, timeoutMillis),
  checkStores(),
]);
lines.push(...results.flat());

const problems = lines.filter((line) => line.status === 'fail').length;
const summary =
  problems === 0
    ? 'doctor: no problems found'
    : `doctor: ${problems} problem(s) found`;
const output = [...lines.map(formatLine), summary].join('\n') + '\n';

// Exit once the output is written: a timed-out connection may still be open.
process.stdout.write(output, () => process.exit(problems === 0 ? 0 : 1));
