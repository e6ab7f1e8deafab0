/**
 * Reports uncaught exceptions to the error route. Unhandled rejections are
 * covered too, because Node turns them into uncaught exceptions when nothing
 * listens for them. The process then ends as Node would end it, with the
 * error on stderr and exit status 1, after a flush bounded by the shutdown
 * deadline.
 *
 * If the app has its own `uncaughtException` listener, the app decides what
 * happens next; the gateway only reports.
 */
import { inspect } from 'node:util';
import { log } from './diag';

/** Node's exit status for an uncaught exception. */
const UNCAUGHT_EXIT_CODE = 1;

export function installCrashReporter(
  report: (error: unknown) => void,
  flush: () => Promise<void>,
): void {
  const onUncaught = (error: unknown) => {
    try {
      report(error);
    } catch (reportError) {
      log.warn(`cannot report the uncaught exception: ${String(reportError)}`);
    }
    if (process.listenerCount('uncaughtException') > 1) return;

    process.stderr.write(
      `${error instanceof Error && error.stack ? error.stack : inspect(error)}\n`,
    );
    process.exitCode = UNCAUGHT_EXIT_CODE;
    void flush().finally(() => process.exit(UNCAUGHT_EXIT_CODE));
  };
  process.on('uncaughtException', onUncaught);
}
