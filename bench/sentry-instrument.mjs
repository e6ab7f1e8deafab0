// The Sentry set-up the benchmarks compare against, written the way Sentry's
// Node guide shows it: an instrument file loaded with `--import` before the
// app, tracing every transaction. The DSN comes from SENTRY_DSN, which the
// benchmark points at a loopback server it started.
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  tracesSampleRate: 1.0,
});
