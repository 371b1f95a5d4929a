import { circuitAfter } from '@herald/contracts';
import { EndpointEntity, EndpointHealth } from '@herald/persistence';

/**
 * The public shape of an endpoint: every field but the secret (API.md, "Endpoints"), with its
 * `lastDelivery` and `health` when they were read (EndpointsService.health).
 */
export function presentEndpoint(endpoint: EndpointEntity, health?: EndpointHealth) {
  return {
    id: endpoint.id,
    appId: endpoint.appId,
    name: endpoint.name,
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
    idHeader: endpoint.idHeader,
    rateLimit: endpoint.rateLimit,
    maxConcurrency: endpoint.maxConcurrency,
    timeoutMs: endpoint.timeoutMs,
    retrySchedule: endpoint.retrySchedule,
    retryJitter: endpoint.retryJitter,
    disableOnExhaustion: endpoint.disableOnExhaustion,
    compat: endpoint.compat,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    ...(health ? presentHealth(health) : {}),
  };
}

function presentHealth(health: EndpointHealth) {
  return {
    lastDelivery: health.lastDelivery,
    health: {
      successRate24h: health.successRate24h,
      circuit: circuitAfter(health.trailingFailures, health.lastFailureAt?.getTime() ?? null, Date.now()),
    },
  };
}
