/**
 * Settings of the Better Stack and PostHog routes, as the preload reads them.
 * The doctor checks only endpoints that were set explicitly: it never probes
 * a vendor's default host on its own.
 */
import type { GatewayConfig } from '../../../otel/config.ts';

type Env = Record<string, string | undefined>;

export interface VendorSettings {
  betterStack?: { token: string; endpoint?: string };
  postHog?: { apiKey: string; host?: string };
}

function isHttpUrl(raw: string | undefined): boolean {
  try {
    return raw !== undefined && /^https?:$/.test(new URL(raw.trim()).protocol);
  } catch {
    return false;
  }
}

export function vendorSettingsFrom(config: GatewayConfig, env: Env): VendorSettings {
  const explicitHost = isHttpUrl(env.POSTHOG_HOST) ? config.posthog?.host : undefined;
  return {
    betterStack: config.logtail
      ? { token: config.logtail.sourceToken, endpoint: config.logtail.endpoint }
      : undefined,
    postHog: config.posthog
      ? { apiKey: config.posthog.apiKey, host: explicitHost }
      : undefined,
  };
}
