/**
 * A preload for `npm run bench:where`: the first SIGWINCH starts V8's
 * sampling profiler, the second stops it and writes the profile (JSON, the
 * `.cpuprofile` format) to BENCH_CPU_PROFILE. Lets the benchmark profile
 * only the measured load, not the start-up.
 *
 * SIGWINCH because its default action is to do nothing, and because NestJS's
 * `enableShutdownHooks()` closes the app on SIGUSR2 (and SIGHUP, SIGQUIT).
 */
const inspector = require('node:inspector') as typeof import('node:inspector');
const { writeFileSync } = require('node:fs') as typeof import('node:fs');

/** Sampling interval in microseconds; V8's default is 1000. */
const SAMPLING_INTERVAL_MICROS = 200;

const output = process.env.BENCH_CPU_PROFILE;
const session = new inspector.Session();
let profiling = false;

function post(method: string, params?: object): Promise<any> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

async function toggle(): Promise<void> {
  if (!profiling) {
    profiling = true;
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', {
      interval: SAMPLING_INTERVAL_MICROS,
    });
    await post('Profiler.start');
    return;
  }
  profiling = false;
  const { profile } = await post('Profiler.stop');
  writeFileSync(output!, JSON.stringify(profile));
}

if (output) {
  session.connect();
  process.on('SIGWINCH', () => {
    toggle().catch((error: unknown) => {
      process.stderr.write(`cpu-profile: ${String(error)}\n`);
    });
  });
}
