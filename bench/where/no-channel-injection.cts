/**
 * A preload for `npm run bench:where` that estimates what the gateway would
 * save by initialising Sentry with `enableRuntimeChannelInjection: false`,
 * without changing otel/. `@sentry/node` 11 reads this global build flag
 * before registering its module hooks (`NodeClient` constructor), so setting
 * it has the same effect as the option. Load it before `./otel/register`.
 */
(
  globalThis as { __SENTRY_CHANNEL_INJECTION__?: boolean }
).__SENTRY_CHANNEL_INJECTION__ = false;
