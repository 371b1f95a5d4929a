import { AttemptEntity, DeliveryEntity, DeliveryWithAttempts, LastAttempt } from '@herald/persistence';

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

/** A delivery of a list, with its latest attempt (API.md v1.1 `lastAttempt`). */
export function presentListedDelivery(delivery: DeliveryEntity, last: LastAttempt | undefined) {
  return { ...presentDelivery(delivery), lastAttempt: last ?? null };
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
