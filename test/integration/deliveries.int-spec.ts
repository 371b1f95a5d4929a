import { deliveryIdFor, IdPrefix, newId } from '@herald/contracts';
import { AttemptRecord, createDataSource, DeliveryRepository, runMigrations } from '@herald/persistence';
import { DataSource } from 'typeorm';
import { Logger } from '@nestjs/common';
import { LeaseKeeper } from '../../apps/dispatcher/src/delivery/lease-keeper';
import { createTestEnvironment, eventually, TestEnvironment } from '../support/stack';

describe('DeliveryRepository (real PostgreSQL)', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let repository: DeliveryRepository;

  beforeAll(async () => {
    env = await createTestEnvironment();
    dataSource = await createDataSource(env.config.databaseUrl, 4).initialize();
    repository = new DeliveryRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await env?.destroy();
  });

  async function newDelivery(leaseSeconds: number | null = null): Promise<string> {
    const eventId = newId(IdPrefix.event);
    const id = deliveryIdFor(eventId, 'ep_x', new Date().toISOString());
    await repository.insertFanout(
      [
        {
          id: eventId,
          appId: 'app_x',
          eventType: 'a.b',
          payload: { n: 1 },
          channels: null,
          occurredAt: new Date().toISOString(),
          createdAt: new Date().toISOString(),
        },
      ],
      [{ id, appId: 'app_x', eventId, endpointId: 'ep_x', eventType: 'a.b' }],
      leaseSeconds,
    );
    return id;
  }

  function attempt(deliveryId: string, outcome: 'success' | 'failure', retrySchedule = [10, 20]): AttemptRecord {
    return {
      attemptId: newId(IdPrefix.attempt),
      deliveryId,
      appId: 'app_x',
      endpointId: 'ep_x',
      startedAt: new Date(),
      durationMs: 12,
      outcome,
      responseStatus: outcome === 'success' ? 200 : 500,
      responseBody: 'body',
      error: outcome === 'success' ? null : 'http_status',
      requestHeaders: { 'webhook-id': 'evt' },
      retrySchedule,
      retryAfterSeconds: null,
    };
  }

  it('has nothing left to migrate after start-up migrations', async () => {
    expect(await runMigrations(dataSource)).toEqual([]);
  });

  it('writes a first success with its row at once, and leaves an existing row to recordAttempts', async () => {
    const existing = await newDelivery();
    const eventId = newId(IdPrefix.event);
    const id = deliveryIdFor(eventId, 'ep_x', new Date().toISOString());
    const now = new Date().toISOString();
    const event = { id: eventId, appId: 'app_x', eventType: 'a.b', payload: { n: 2 }, channels: null, occurredAt: now, createdAt: now };
    const first = attempt(id, 'success');
    const written = await repository.insertFanout(
      [event],
      [
        { id, appId: 'app_x', eventId, endpointId: 'ep_x', eventType: 'a.b', firstAttempt: first },
        // A fan-out re-run after a crash: the row exists, so its attempt is recorded against it instead.
        { id: existing, appId: 'app_x', eventId, endpointId: 'ep_x', eventType: 'a.b', firstAttempt: attempt(existing, 'success') },
      ],
      30,
    );
    expect([...written]).toEqual([id]);
    const [row] = await dataSource.query<{ status: string; attempt_count: number; next_attempt_at: Date | null }[]>(
      'SELECT status, attempt_count, next_attempt_at FROM deliveries WHERE id = $1',
      [id],
    );
    expect(row).toEqual({ status: 'succeeded', attempt_count: 1, next_attempt_at: null });
    const attempts = await dataSource.query<
      { id: string; attempt: number; outcome: string; response_status: number; request_headers: object }[]
    >('SELECT id, attempt, outcome, response_status, request_headers FROM attempts WHERE delivery_id = $1', [id]);
    expect(attempts).toEqual([
      { id: first.attemptId, attempt: 1, outcome: 'success', response_status: 200, request_headers: { 'webhook-id': 'evt' } },
    ]);
    expect(await dataSource.query('SELECT 1 FROM attempts WHERE delivery_id = $1', [existing])).toEqual([]);
  });

  it('inserts pending deliveries once even when the fan-out runs twice', async () => {
    const id = await newDelivery();
    const [row] = await dataSource.query<{ status: string }[]>('SELECT status FROM deliveries WHERE id = $1', [id]);
    const now = new Date().toISOString();
    await repository.insertFanout(
      [{ id: 'evt_other', appId: 'app_x', eventType: 'a.b', payload: {}, channels: null, occurredAt: now, createdAt: now }],
      [{ id, appId: 'app_x', eventId: 'evt_other', endpointId: 'ep_x', eventType: 'a.b' }],
    );
    const rows = await dataSource.query<{ event_id: string }[]>('SELECT event_id FROM deliveries WHERE id = $1', [id]);
    expect(row.status).toBe('pending');
    expect(rows).toHaveLength(1);
    expect(rows[0].event_id).not.toBe('evt_other');
  });

  it('schedules a failure after the next step of the schedule with ±20 % jitter, then fails it past the schedule', async () => {
    const id = await newDelivery();
    const before = Date.now();
    const first = (await repository.recordAttempts([attempt(id, 'failure')])).get(id);
    expect(first).toMatchObject({ attempt: 1, status: 'pending' });
    const delay = (first?.nextAttemptAt?.getTime() ?? 0) - before;
    expect(delay).toBeGreaterThanOrEqual(7_900);
    expect(delay).toBeLessThanOrEqual(12_100 + (Date.now() - before));

    expect((await repository.recordAttempts([attempt(id, 'failure')])).get(id)).toMatchObject({ attempt: 2, status: 'pending' });
    expect((await repository.recordAttempts([attempt(id, 'failure')])).get(id)).toMatchObject({
      attempt: 3,
      status: 'failed',
      nextAttemptAt: null,
    });

    const stored = await repository.findWithAttempts('app_x', id);
    expect(stored?.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(stored?.attemptCount).toBe(3);
    expect(await repository.findWithAttempts('app_other', id)).toBeNull();
  });

  it('records a batch for many deliveries in one call and keeps a success when a duplicate attempt fails', async () => {
    const ids = await Promise.all([newDelivery(), newDelivery(), newDelivery()]);
    const results = await repository.recordAttempts(ids.map((id) => attempt(id, 'success')));
    expect([...results.values()].map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const again = (await repository.recordAttempts([attempt(ids[0], 'failure')])).get(ids[0]);
    expect(again).toMatchObject({ attempt: 2, status: 'succeeded', nextAttemptAt: null });
  });

  it('lists deliveries newest first, filtered and scoped by app', async () => {
    const ids = [await newDelivery(), await newDelivery()];
    await repository.recordAttempts([attempt(ids[1], 'success')]);
    const succeeded = await repository.list('app_x', { status: 'succeeded' }, { limit: 250 });
    expect(succeeded.data.map((d) => d.id)).toContain(ids[1]);
    expect(succeeded.data.map((d) => d.id)).not.toContain(ids[0]);
    expect((await repository.list('app_elsewhere', {}, { limit: 10 })).data).toEqual([]);
  });

  // Last: claimDue leases whatever else of this file is due.
  it('keeps a first attempt in hand from the RetryScheduler while its lease is renewed, and gives it up once released', async () => {
    const leaseSeconds = 1.5;
    const insertedAt = Date.now();
    const id = await newDelivery(leaseSeconds);
    const keeper = new LeaseKeeper(repository, leaseSeconds, new Logger('test'));
    keeper.hold(id);
    try {
      // Past the lease the fan-out wrote: only the renewals keep the row from being due.
      await new Promise((resolve) => setTimeout(resolve, insertedAt + 2 * leaseSeconds * 1000 - Date.now()));
      expect((await repository.claimDue(100)).map((d) => d.id)).not.toContain(id);
      keeper.release(id);
      await eventually(async () => (await repository.claimDue(100)).some((d) => d.id === id), 3 * leaseSeconds * 1000, 100);
    } finally {
      keeper.stop();
    }
  });
});

describe('retry scheduling claims (real PostgreSQL)', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let repository: DeliveryRepository;

  beforeAll(async () => {
    env = await createTestEnvironment();
    dataSource = await createDataSource(env.config.databaseUrl, 6).initialize();
    repository = new DeliveryRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await env?.destroy();
  });

  it('hands each due delivery to exactly one of several concurrent schedulers, then clears the lease once queued', async () => {
    const eventId = newId(IdPrefix.event);
    const now = new Date().toISOString();
    const ids = Array.from({ length: 60 }, (_, i) => deliveryIdFor(eventId, `ep_${i}`, new Date().toISOString()));
    await repository.insertFanout(
      [{ id: eventId, appId: 'app_s', eventType: 'a.b', payload: { x: 1 }, channels: null, occurredAt: now, createdAt: now }],
      ids.map((id, i) => ({ id, appId: 'app_s', eventId, endpointId: `ep_${i}`, eventType: 'a.b' })),
    );
    expect(await repository.claimDue(100)).toEqual([]); // freshly fanned out: queued, not due
    await repository.park(
      ids,
      ids.map(() => new Date(Date.now() - 1000)),
    );

    const claims = await Promise.all([repository.claimDue(25), repository.claimDue(25), repository.claimDue(25)]);
    const claimed = claims.flat().map((d) => d.id);
    expect(claimed).toHaveLength(60);
    expect(new Set(claimed).size).toBe(60);
    expect(claims.flat()[0].event).toMatchObject({ id: eventId, payload: { x: 1 } });
    expect(await repository.claimDue(100)).toEqual([]); // leased

    // One of them was attempted (and failed) before markQueued ran: its retry time must stay.
    const [first, ...rest] = claims.flat();
    await repository.recordAttempts([
      {
        attemptId: newId(IdPrefix.attempt),
        deliveryId: first.id,
        appId: 'app_s',
        endpointId: first.endpointId,
        startedAt: new Date(),
        durationMs: 1,
        outcome: 'failure',
        responseStatus: 500,
        responseBody: '',
        error: 'http_status',
        requestHeaders: {},
        retrySchedule: [60],
        retryAfterSeconds: null,
      },
    ]);
    await repository.markQueued(claims.flat());
    const rows = await dataSource.query<{ id: string; next_attempt_at: Date | null }[]>(
      'SELECT id, next_attempt_at FROM deliveries WHERE event_id = $1',
      [eventId],
    );
    const byId = new Map(rows.map((r) => [r.id, r.next_attempt_at]));
    expect(byId.get(first.id)).not.toBeNull();
    for (const d of rest) expect(byId.get(d.id)).toBeNull();
  });
});
