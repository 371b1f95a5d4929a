import { EndpointEntity } from '@herald/persistence';

/** The public shape of an endpoint: every field but the secret (API.md, "Endpoints"). */
export function presentEndpoint(endpoint: EndpointEntity) {
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
  };
}
