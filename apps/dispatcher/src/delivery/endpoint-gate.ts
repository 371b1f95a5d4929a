import { CIRCUIT_FAILURES_TO_OPEN, EndpointConfig } from '@herald/contracts';

/** Consecutive failures that open an endpoint's circuit (the console reads the same number from attempt records). */
export const FAILURES_TO_OPEN = CIRCUIT_FAILURES_TO_OPEN;
const FIRST_COOLDOWN_MS = 5_000;
const MAX_COOLDOWN_MS = 5 * 60_000;
/** A delivery that would wait longer than this for a concurrency slot is parked instead. */
const MAX_QUEUE_WAIT_MS = 1_000;
/** …or this long, while the replica already holds many messages. */
const MAX_CROWDED_QUEUE_WAIT_MS = 100;
/** What an attempt is assumed to take until the endpoint's own times are known. */
const INITIAL_ATTEMPT_MS = 100;
/** A rate-limited delivery waits in memory at most this long; longer, it is parked. */
const MAX_RATE_WAIT_MS = 1_000;

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What the gate decided for one delivery. */
export type Admission = { kind: 'go' } | { kind: 'park'; until: Date; reason: 'circuit-open' | 'concurrency' | 'rate-limit' };

interface EndpointState {
  inFlight: number;
  waiting: (() => void)[];
  tokens: number;
  refilledAt: number;
  consecutiveFailures: number;
  openUntil: number;
  openings: number;
  probing: boolean;
  /** Moving average of the endpoint's attempt durations. */
  attemptMs: number;
}

/**
 * Per-endpoint admission in one dispatcher replica: `maxConcurrency` requests in flight,
 * `rateLimit` per second (token bucket, one second of burst), and a circuit breaker that opens
 * after FAILURES_TO_OPEN consecutive failures, parks new deliveries while open (cooldown doubling
 * from 5 s to 5 min), then lets one probe through to decide whether it closes. Anything that
 * cannot go soon is parked (acked, with a nextAttemptAt) rather than held, so a slow or dead
 * endpoint never occupies what healthy ones need. Limits are per replica.
 */
export class EndpointGate {
  private readonly states = new Map<string, EndpointState>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Waits for a slot (briefly) or says to park. Every 'go' must be followed by leave().
   * `crowded` (the replica holds many messages already) parks instead of queueing.
   */
  async enter(endpoint: EndpointConfig, manual = false, crowded = false): Promise<Admission> {
    const state = this.state(endpoint.id);
    const now = this.now();
    if (!manual && state.openUntil > 0) {
      if (now < state.openUntil) return this.park(state.openUntil + jitter(1000), 'circuit-open');
      if (state.probing) return this.park(now + endpoint.timeoutMs + jitter(1000), 'circuit-open');
      state.probing = true; // half-open: this delivery is the probe
    }
    if (endpoint.rateLimit !== null) {
      const wait = this.takeToken(state, endpoint.rateLimit, now);
      if (wait > MAX_RATE_WAIT_MS) {
        state.tokens += 1; // not taken after all: it comes back later and asks again
        return this.cancelProbe(state, this.park(now + wait + jitter(wait), 'rate-limit'));
      }
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (state.inFlight < endpoint.maxConcurrency) {
      state.inFlight += 1;
      return { kind: 'go' };
    }
    // Queue in memory only as long as the endpoint's pace drains the queue soon; a slow
    // endpoint's backlog is parked so it cannot fill what this replica holds.
    const expectedWaitMs = ((state.waiting.length + 1) * state.attemptMs) / endpoint.maxConcurrency;
    if (expectedWaitMs > (crowded ? MAX_CROWDED_QUEUE_WAIT_MS : MAX_QUEUE_WAIT_MS)) {
      return this.cancelProbe(state, this.park(now + Math.max(1000, expectedWaitMs) + jitter(1000), 'concurrency'));
    }
    await new Promise<void>((resolve) => state.waiting.push(resolve));
    return { kind: 'go' }; // the slot was handed over by leave()
  }

  /** Releases the slot and feeds the attempt's result (and duration) to the circuit breaker and pacing. */
  leave(endpointId: string, ok: boolean | null, durationMs?: number): void {
    const state = this.state(endpointId);
    if (durationMs !== undefined) state.attemptMs = state.attemptMs * 0.8 + durationMs * 0.2;
    const next = state.waiting.shift();
    if (next) next();
    else state.inFlight -= 1;
    if (ok === null) return;
    if (ok) {
      state.consecutiveFailures = 0;
      state.openUntil = 0;
      state.openings = 0;
      state.probing = false;
      return;
    }
    state.consecutiveFailures += 1;
    if (state.probing || (state.openUntil === 0 && state.consecutiveFailures >= FAILURES_TO_OPEN)) {
      const cooldown = Math.min(FIRST_COOLDOWN_MS * 2 ** state.openings, MAX_COOLDOWN_MS);
      state.openings += 1;
      state.openUntil = this.now() + cooldown;
      state.probing = false;
    }
  }

  /** How many endpoints are in each circuit state. */
  circuitCounts(): Record<CircuitState, number> {
    const counts: Record<CircuitState, number> = { closed: 0, open: 0, 'half-open': 0 };
    for (const id of this.states.keys()) counts[this.circuit(id)] += 1;
    return counts;
  }

  circuit(endpointId: string): CircuitState {
    const state = this.states.get(endpointId);
    if (!state || state.openUntil === 0) return 'closed';
    return this.now() < state.openUntil ? 'open' : 'half-open';
  }

  private takeToken(state: EndpointState, rate: number, now: number): number {
    state.tokens = Math.min(rate, state.tokens + ((now - state.refilledAt) / 1000) * rate);
    state.refilledAt = now;
    state.tokens -= 1;
    return state.tokens >= 0 ? 0 : Math.ceil((-state.tokens / rate) * 1000);
  }

  private park(until: number, reason: 'circuit-open' | 'concurrency' | 'rate-limit'): Admission {
    return { kind: 'park', until: new Date(until), reason };
  }

  private cancelProbe(state: EndpointState, admission: Admission): Admission {
    if (state.probing && state.openUntil > 0) state.probing = false;
    return admission;
  }

  private state(endpointId: string): EndpointState {
    let state = this.states.get(endpointId);
    if (!state) {
      state = {
        inFlight: 0,
        waiting: [],
        tokens: Number.POSITIVE_INFINITY,
        refilledAt: this.now(),
        consecutiveFailures: 0,
        openUntil: 0,
        openings: 0,
        probing: false,
        attemptMs: INITIAL_ATTEMPT_MS,
      };
      this.states.set(endpointId, state);
    }
    return state;
  }
}

function jitter(maxMs: number): number {
  return Math.floor(Math.random() * maxMs);
}
