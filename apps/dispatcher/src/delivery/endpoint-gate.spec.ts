import { EndpointConfig } from '@herald/contracts';
import { endpointConfig } from '../testing/endpoint-config.fixture';
import { EndpointGate, FAILURES_TO_OPEN } from './endpoint-gate';

const endpoint = (extra: Partial<EndpointConfig> = {}) => endpointConfig({ retrySchedule: [1], maxConcurrency: 2, ...extra });

describe('EndpointGate', () => {
  let now = 1_000_000;
  const gate = () => new EndpointGate(() => now);

  it('admits maxConcurrency at once, queues what its pace drains within a second, and parks the rest', async () => {
    const g = gate();
    const slow = endpoint({ id: 'ep_slow', maxConcurrency: 2 });
    for (let i = 0; i < 30; i += 1) {
      expect(await g.enter(slow)).toEqual({ kind: 'go' });
      g.leave(slow.id, true, 400); // its pace: 400 ms an attempt
    }
    expect(await g.enter(slow)).toEqual({ kind: 'go' });
    expect(await g.enter(slow)).toEqual({ kind: 'go' });
    // Two slots at 400 ms: the n-th waiting one starts after about n × 200 ms.
    const queued = Array.from({ length: 5 }, () => g.enter(slow));
    expect(await g.enter(slow)).toMatchObject({ kind: 'park', reason: 'concurrency' });
    expect(await g.enter(slow, false, true)).toMatchObject({ kind: 'park' }); // crowded: park sooner
    g.leave(slow.id, true, 400);
    await expect(queued[0]).resolves.toEqual({ kind: 'go' });

    const fast = endpoint({ id: 'ep_fast', maxConcurrency: 2 });
    for (let i = 0; i < 20; i += 1) {
      await g.enter(fast);
      g.leave(fast.id, true, 1);
    }
    await g.enter(fast);
    await g.enter(fast);
    const waiting = Array.from({ length: 500 }, () => g.enter(fast)); // 1 ms attempts: 500 drain quickly
    expect(await Promise.race([...waiting.slice(-1), new Promise((resolve) => setTimeout(() => resolve('waiting'), 20))])).toBe('waiting');
    for (let i = 0; i < 502; i += 1) g.leave(fast.id, true, 1);
    await expect(Promise.all(waiting)).resolves.toHaveLength(500);
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

  it('says when a result opened a closed circuit or closed an open one, once each', async () => {
    const g = gate();
    const ep = endpoint({ maxConcurrency: 100 });
    const changes = [];
    for (let i = 0; i < FAILURES_TO_OPEN + 1; i += 1) {
      await g.enter(ep, true);
      changes.push(g.leave(ep.id, false));
    }
    expect(changes).toEqual([null, null, null, null, 'opened', null]);
    await g.enter(ep, true);
    expect(g.leave(ep.id, true)).toBe('closed');
    await g.enter(ep, true);
    expect(g.leave(ep.id, true)).toBeNull();
  });
});
