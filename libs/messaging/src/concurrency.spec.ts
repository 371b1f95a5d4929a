import { Semaphore } from './concurrency';

/** Resolves after the microtasks queued so far have run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('admits up to its limit and the next waiter on each release', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    await semaphore.acquire();
    await semaphore.acquire();
    void semaphore.acquire().then(() => order.push('third'));
    await settle();
    expect(order).toEqual([]);
    semaphore.release();
    await settle();
    expect(order).toEqual(['third']);
  });

  it('serves weighted waiters in order: a light one does not overtake a heavy one', async () => {
    const semaphore = new Semaphore(10);
    const order: string[] = [];
    await semaphore.acquire(6);
    void semaphore.acquire(8).then(() => order.push('heavy'));
    void semaphore.acquire(1).then(() => order.push('light'));
    await settle();
    // 4 units are free: enough for the light one, which still waits behind the heavy one.
    expect(order).toEqual([]);
    semaphore.release(6);
    await settle();
    expect(order).toEqual(['heavy', 'light']);
  });

  it('takes a weight above the limit as the whole limit', async () => {
    const semaphore = new Semaphore(4);
    let admitted = false;
    await semaphore.acquire(100);
    void semaphore.acquire().then(() => (admitted = true));
    await settle();
    expect(admitted).toBe(false);
    semaphore.release(100);
    await settle();
    expect(admitted).toBe(true);
  });
});
