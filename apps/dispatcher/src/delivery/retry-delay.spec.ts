import { retryDelayFactor } from './delivery.worker';

describe('retryDelayFactor', () => {
  it('spreads delays by ±retryJitter, and retryJitter 0 keeps exactly the schedule', () => {
    expect(retryDelayFactor(0, 0)).toBe(1);
    expect(retryDelayFactor(0, 0.999)).toBe(1);
    expect(retryDelayFactor(undefined, 0)).toBeCloseTo(0.8);
    expect(retryDelayFactor(undefined, 1)).toBeCloseTo(1.2);
    expect(retryDelayFactor(0.5, 0)).toBeCloseTo(0.5);
    expect(retryDelayFactor(0.5, 1)).toBeCloseTo(1.5);
    expect(retryDelayFactor(0.2, 0.5)).toBeCloseTo(1);
  });
});
