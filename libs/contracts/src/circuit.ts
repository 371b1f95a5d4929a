/** Consecutive failures that open an endpoint's circuit. */
export const FAILURES_TO_OPEN = 5;
/** The first cooldown of an open circuit; it doubles with every failed probe… */
export const FIRST_COOLDOWN_MS = 5_000;
/** …up to this. */
export const MAX_COOLDOWN_MS = 5 * 60_000;

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * The circuit state the dispatcher's breaker is in after `trailingFailures` consecutive failed
 * attempts, the last at `lastFailureAtMs`: open from FAILURES_TO_OPEN on, for a cooldown that
 * doubles with each failure after that (each is a failed probe), half-open once it has passed.
 * The management API derives an endpoint's `health.circuit` from its attempts this way, so it
 * needs nothing written per attempt.
 */
export function circuitAfter(trailingFailures: number, lastFailureAtMs: number | null, nowMs: number): CircuitState {
  if (trailingFailures < FAILURES_TO_OPEN || lastFailureAtMs === null) return 'closed';
  const cooldown = Math.min(FIRST_COOLDOWN_MS * 2 ** (trailingFailures - FAILURES_TO_OPEN), MAX_COOLDOWN_MS);
  return nowMs < lastFailureAtMs + cooldown ? 'open' : 'half-open';
}
