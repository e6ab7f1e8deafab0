/**
 * Flushes every route on SIGTERM, SIGINT, SIGHUP, SIGQUIT and natural exit,
 * within a deadline.
 *
 * The gateway never decides when the process ends. On a signal it flushes.
 * Then, once no other listener for that signal is left (the app may still
 * be closing), it re-raises the signal, so the process ends as it would have
 * without the gateway, with the same exit status.
 */
import { log } from './diag';

export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

function withDeadline(step: ShutdownStep, deadline: number): Promise<void> {
  const remaining = Math.max(0, deadline - Date.now());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log.warn(`shutdown: ${step.name} did not finish in time; giving up on it`);
      resolve();
    }, remaining);
    timer.unref();
  });
  const run = step.run().catch((error: unknown) => {
    log.warn(`shutdown: ${step.name} failed: ${String(error)}`);
  });
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Returns a function that runs the phases in order and the steps of a phase
 * in parallel, once, all bounded by `timeoutMillis` from the first call. A
 * failed or late step does not stop the others. Later calls get the same
 * promise.
 */
export function createShutdown(
  phases: () => ShutdownStep[][],
  timeoutMillis: number,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= (async () => {
      const deadline = Date.now() + timeoutMillis;
      for (const steps of phases()) {
        await Promise.all(steps.map((step) => withDeadline(step, deadline)));
      }
    })();
    return running;
  };
}

/**
 * Signals that end a process by default and that NestJS's
 * `enableShutdownHooks()` also closes the app on. SIGUSR2 is left out: it is
 * Node's default `--report-on-signal` signal, after which the process goes on.
 */
const SHUTDOWN_SIGNALS: NodeJS.Signals[] =
  process.platform === 'win32'
    ? ['SIGTERM', 'SIGINT', 'SIGHUP']
    : ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];

export function installSignalHandlers(shutdown: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    void shutdown().finally(() => {
      process.removeListener(signal, onSignal);
      // The app may still be closing; its own handler ends the process.
      if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
      }
    });
  };

  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);

  // A process that ends on its own (empty event loop) gets a final flush.
  process.once('beforeExit', () => {
    void shutdown();
  });
}
