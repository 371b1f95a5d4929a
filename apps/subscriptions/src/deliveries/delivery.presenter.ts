import { AttemptEntity, DeliveryEntity, DeliveryListItem, DeliveryWithAttempts } from '@herald/persistence';

/** A delivery as lists show it: with its latest attempt. */
export function presentDeliveryItem(delivery: DeliveryListItem) {
  return { ...presentDelivery(delivery), lastAttempt: delivery.lastAttempt };
}

/** The public shape of a delivery (API.md, "Deliveries and attempts"). */
export function presentDelivery(delivery: DeliveryEntity) {
  return {
    id: delivery.id,
    appId: delivery.appId,
    eventId: delivery.eventId,
    endpointId: delivery.endpointId,
    eventType: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.nextAttemptAt,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}

export function presentAttempt(attempt: AttemptEntity) {
  return {
    id: attempt.id,
    attempt: attempt.attempt,
    batchId: attempt.batchId,
    startedAt: attempt.startedAt,
    durationMs: attempt.durationMs,
    outcome: attempt.outcome,
    responseStatus: attempt.responseStatus,
    responseBody: attempt.responseBody,
    error: attempt.error,
    requestHeaders: attempt.requestHeaders,
    requestBody: attempt.requestBody,
  };
}

export function presentDeliveryWithAttempts(delivery: DeliveryWithAttempts) {
  return { ...presentDelivery(delivery), attempts: delivery.attempts.map(presentAttempt) };
}
