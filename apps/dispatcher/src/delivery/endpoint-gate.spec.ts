import { EndpointConfig } from '@herald/contracts';
import { EndpointGate, FAILURES_TO_OPEN } from './endpoint-gate';

const endpoint = (extra: Partial<EndpointConfig> = {}): EndpointConfig => ({
  id: 'ep_1',
  appId: 'app_1',
  url: 'http://x',
  eventTypes: ['*'],
  channels: null,
  disabled: false,
  secret: 's',
  headers: {},
  timeoutMs: 1000,
  retrySchedule: [1],
  maxConcurrency: 2,
  rateLimit: null,
  version: 1,
  ...extra,
});

describe('EndpointGate', () => {
  let now = 1_000_000;
  const gate = () => new EndpointGate(() => now);

  it('admits maxConcurrency at once, queues a few more, and parks the rest', async () => {
    const g = gate();
    const ep = endpoint({ maxConcurrency: 2 });
    expect(await g.enter(ep)).toEqual({ kind: 'go' });
    expect(await g.enter(ep)).toEqual({ kind: 'go' });
    const queued = Array.from({ length: 32 }, () => g.enter(ep));
    const parked = await g.enter(ep);
    expect(parked).toMatchObject({ kind: 'park', reason: 'concurrency' });
    g.leave(ep.id, true);
    await expect(queued[0]).resolves.toEqual({ kind: 'go' });
  });

  it('opens the circuit after consecutive failures, parks until the cooldown, then lets one probe decide', async () => {
    const g = gate();
    const ep = endpoint({ maxConcurrency: 100 });
    for (let i = 0; i < FAILURES_TO_OPEN; i += 1) {
      expect(await g.enter(ep)).toEqual({ kind: 'go' });
      g.leave(ep.id, false);
    }
    expect(g.circuit(ep.id)).toBe('open');
    const parked = await g.enter(ep);
    expect(parked.kind).toBe('park');
    expect(parked.kind === 'park' && parked.until.getTime()).toBeGreaterThanOrEqual(now + 5000);
    expect(await g.enter(ep, true)).toEqual({ kind: 'go' }); // an operator's retry goes through
    g.leave(ep.id, null);

    now += 5001;
    expect(g.circuit(ep.id)).toBe('half-open');
    expect(await g.enter(ep)).toEqual({ kind: 'go' }); // the probe
    expect((await g.enter(ep)).kind).toBe('park'); // everyone else waits for it
    g.leave(ep.id, false);
    expect(g.circuit(ep.id)).toBe('open'); // failed probe: open again, longer
    now += 5001;
    expect(g.circuit(ep.id)).toBe('open');
    now += 5000;
    expect(await g.enter(ep)).toEqual({ kind: 'go' });
    g.leave(ep.id, true);
    expect(g.circuit(ep.id)).toBe('closed');
    expect(await g.enter(ep)).toEqual({ kind: 'go' });
  });

  it('spaces deliveries by rateLimit and parks those that would wait over a second', async () => {
    const g = gate();
    const ep = endpoint({ maxConcurrency: 1000, rateLimit: 2 });
    expect(await g.enter(ep)).toEqual({ kind: 'go' });
    expect(await g.enter(ep)).toEqual({ kind: 'go' });
    const started = Date.now();
    const third = g.enter(ep); // waits 500 ms (real time: the fake clock stands still)
    const fourth = g.enter(ep); // waits 1000 ms
    expect(await g.enter(ep)).toMatchObject({ kind: 'park', reason: 'rate-limit' }); // would wait 1500 ms
    expect(await third).toEqual({ kind: 'go' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(await fourth).toEqual({ kind: 'go' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});
