import type { AttemptRecord } from '@herald/persistence';
import { FirstAttempt } from './first-attempt';

const success = { deliveryId: 'dlv_1' } as AttemptRecord;

describe('FirstAttempt.settledWithin (how long a fan-out holds its rows for their first attempts)', () => {
  it('waits for every attempt to settle, and hands over the successes', async () => {
    const [a, b] = [new FirstAttempt(), new FirstAttempt()];
    const waited = FirstAttempt.settledWithin([a, b], 60_000);
    setImmediate(() => {
      a.settle(success);
      setImmediate(() => b.settle(null));
    });
    await waited;
    expect([a.success, b.success]).toEqual([success, null]);
  });

  it('gives up after its time when an attempt is slow; a later success is then recorded on its own', async () => {
    const slow = new FirstAttempt();
    await FirstAttempt.settledWithin([slow], 20);
    expect(slow.success).toBeNull();
    slow.written(false);
    slow.settle(success);
    await expect(slow.stored).resolves.toBe(false);
  });

  it('tells the fan-out once when its attempt is answered (its place among the attempts in hand)', () => {
    const answered = jest.fn();
    const attempt = new FirstAttempt(answered);
    expect(answered).not.toHaveBeenCalled();
    attempt.settle(null);
    attempt.settle(success);
    expect(answered).toHaveBeenCalledTimes(1);
  });
});
