import { EndpointEntity, EndpointHealth } from '@herald/persistence';

const NO_ATTEMPTS: EndpointHealth = { successRate24h: null, circuit: 'closed', lastDelivery: null };

/** The public shape of an endpoint: every field but the secret (API.md, "Endpoints"), with its health when known. */
export function presentEndpoint(endpoint: EndpointEntity, health?: EndpointHealth) {
  return {
    id: endpoint.id,
    appId: endpoint.appId,
    url: endpoint.url,
    type: endpoint.type,
    signature: endpoint.signature,
    body: endpoint.body,
    batch: endpoint.batch,
    description: endpoint.description,
    metadata: endpoint.metadata,
    eventTypes: endpoint.eventTypes,
    channels: endpoint.channels,
    disabled: endpoint.disabled,
    disabledReason: endpoint.disabledReason,
    headers: endpoint.headers,
    rateLimit: endpoint.rateLimit,
    maxConcurrency: endpoint.maxConcurrency,
    timeoutMs: endpoint.timeoutMs,
    retrySchedule: endpoint.retrySchedule,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    ...(health ? presentHealth(health) : {}),
  };
}

/** `lastDelivery` and `health` (API.md v1.1) of an endpoint with attempts recorded or none. */
export function presentHealth(health: EndpointHealth = NO_ATTEMPTS) {
  return {
    lastDelivery: health.lastDelivery,
    health: { successRate24h: health.successRate24h, circuit: health.circuit },
  };
}
