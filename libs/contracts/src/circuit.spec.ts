import { circuitAfter, FAILURES_TO_OPEN } from './circuit';

describe('circuitAfter (an endpoint’s circuit read back from its attempts)', () => {
  const now = 1_000_000;
  it('is closed below FAILURES_TO_OPEN trailing failures, open for the cooldown after, half-open once it passed', () => {
    expect(circuitAfter(FAILURES_TO_OPEN - 1, now, now)).toBe('closed');
    expect(circuitAfter(0, null, now)).toBe('closed');
    expect(circuitAfter(FAILURES_TO_OPEN, now - 4_999, now)).toBe('open');
    expect(circuitAfter(FAILURES_TO_OPEN, now - 5_000, now)).toBe('half-open');
    // Each failed probe doubles the cooldown, up to five minutes.
    expect(circuitAfter(FAILURES_TO_OPEN + 1, now - 9_999, now)).toBe('open');
    expect(circuitAfter(FAILURES_TO_OPEN + 1, now - 10_000, now)).toBe('half-open');
    expect(circuitAfter(FAILURES_TO_OPEN + 40, now - 299_999, now)).toBe('open');
    expect(circuitAfter(FAILURES_TO_OPEN + 40, now - 300_000, now)).toBe('half-open');
  });
});
