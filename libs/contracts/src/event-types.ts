/** Event type names (API.md, "Event types"). */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
export const EVENT_TYPE_MAX_LENGTH = 128;

/** An endpoint filter: an exact name, `prefix.*` or `*`. */
export const EVENT_TYPE_FILTER_PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;

/** Whether an event type passes one endpoint filter. */
export function matchesEventType(filter: string, eventType: string): boolean {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return eventType.startsWith(filter.slice(0, -1));
  return filter === eventType;
}

/** Consecutive failed attempts that open an endpoint's circuit breaker. */
export const CIRCUIT_FAILURES_TO_OPEN = 5;
