/**
 * Settings of the Better Stack and PostHog routes, read from the
 * environment. NOTE: the preload's configFromEnv does not read these yet;
 * once it does, the doctor should take them from there instead.
 */

type Env = Record<string, string | undefined>;

export interface VendorSettings {
  betterStack?: { token: string; endpoint?: string };
  postHog?: { apiKey: string; host?: string };
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function vendorSettingsFromEnv(env: Env): VendorSettings {
  const token = value(env, 'LOGTAIL_SOURCE_TOKEN');
  const apiKey = value(env, 'POSTHOG_API_KEY');
  return {
    betterStack: token
      ? { token, endpoint: value(env, 'LOGTAIL_ENDPOINT') }
      : undefined,
    postHog: apiKey ? { apiKey, host: value(env, 'POSTHOG_HOST') } : undefined,
  };
}
