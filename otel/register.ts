/**
 * The preload: `node --require ./otel/register app.js`.
 *
 * It must never take the app down: any failure while building the SDK is
 * logged once and the app runs uninstrumented. It does nothing on worker
 * threads (including the module loader thread Node starts for ESM hooks,
 * which re-runs `--require` preloads) and nothing on a second load.
 */
import { isMainThread } from 'node:worker_threads';

const STARTED_KEY = Symbol.for('otel-gateway.started');

type GlobalWithFlag = typeof globalThis & { [STARTED_KEY]?: boolean };

function register(): void {
  const global = globalThis as GlobalWithFlag;
  if (!isMainThread || global[STARTED_KEY]) return;
  global[STARTED_KEY] = true;

  try {
    const { start } = require('./start') as typeof import('./start');
    start();
  } catch (error) {
    const reason = error instanceof Error ? error.stack ?? error.message : String(error);
    process.stderr.write(
      `[otel-gateway] error: failed to start; the app runs uninstrumented: ${reason}\n`,
    );
  }
}

register();
