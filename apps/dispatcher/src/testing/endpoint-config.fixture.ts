import { EndpointConfig } from '@herald/contracts';

/** An endpoint's config with every default, for unit tests; `overrides` set what the test is about. */
export function endpointConfig(overrides: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    id: 'ep_1',
    appId: 'app_1',
    url: 'http://x',
    type: 'webhook',
    signature: { scheme: 'standard' },
    body: { envelope: 'standard' },
    previousSecrets: [],
    batch: null,
    eventTypes: ['*'],
    channels: null,
    disabled: false,
    secret: 's',
    headers: {},
    timeoutMs: 1000,
    retrySchedule: [],
    maxConcurrency: 16,
    rateLimit: null,
    version: 1,
    ...overrides,
  };
}
