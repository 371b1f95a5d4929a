import { headers as natsHeaders } from '@nats-io/nats-core';
import { DeliverPolicy, jetstream, jetstreamManager, JsMsg } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { Names } from '@herald/contracts';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

/** Event types and schemas, idempotency, batches, event reads, the ingest rate limit and NATS intake. */
describe('the management surface', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let nc: NatsConnection;
  let names: Names;
  let appId: string;
  let endpointId: string;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    stack = await TestStack.start(undefined, { HERALD_INGEST_RATE_LIMIT: '300' });
    names = new Names(stack.env.config.natsNamespace);
    nc = await connect({ servers: stack.env.config.natsUrl });
    appId = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Management', uid: 'mgmt' })).body?.id as string;
    endpointId = (await stack.request('subscriptions', 'POST', '/v1/apps/mgmt/endpoints', { url: receiver.url })).body?.id as string;
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.close();
    await receiver?.stop();
  });

  const publish = (body: unknown, headers: Record<string, string> = {}) =>
    stack.request('ingest', 'POST', '/v1/apps/mgmt/events', body, headers);
  const deliveriesOf = async (eventId: string) =>
    (await stack.request('subscriptions', 'GET', `/v1/apps/mgmt/deliveries?eventId=${encodeURIComponent(eventId)}`)).body?.data as {
      status: string;
    }[];

  describe('event types', () => {
    const schema = {
      type: 'object',
      required: ['email', 'age'],
      properties: { email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0 } },
      additionalProperties: false,
    };

    it('creates, reads, lists, updates and deletes event types', async () => {
      const created = await stack.request('subscriptions', 'POST', '/v1/event-types', {
        name: 'invoice.paid',
        description: 'An invoice was paid',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'invoice.paid', description: 'An invoice was paid', schema: null, deprecated: false });
      expect((await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'invoice.paid' })).status).toBe(409);
      await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'invoice.voided' });
      const page1 = await stack.request('subscriptions', 'GET', '/v1/event-types?limit=1');
      expect(page1.body?.data.map((t: { name: string }) => t.name)).toEqual(['invoice.voided']);
      const page2 = await stack.request('subscriptions', 'GET', `/v1/event-types?limit=1&cursor=${page1.body?.nextCursor as string}`);
      expect(page2.body?.data.map((t: { name: string }) => t.name)).toEqual(['invoice.paid']);
      const patched = await stack.request('subscriptions', 'PATCH', '/v1/event-types/invoice.paid', { description: 'Paid', schema });
      expect(patched.body).toMatchObject({ description: 'Paid', schema });
      expect((await stack.request('subscriptions', 'GET', '/v1/event-types/invoice.paid')).body?.schema).toEqual(schema);
      expect((await stack.request('subscriptions', 'DELETE', '/v1/event-types/invoice.voided')).status).toBe(204);
      expect((await stack.request('subscriptions', 'GET', '/v1/event-types/invoice.voided')).status).toBe(404);
    });

    it('names the field of a bad event type: 400 for the name, 422 for a schema that is not one', async () => {
      const badName = await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'has space' });
      expect(badName.status).toBe(400);
      expect(badName.body?.errors?.[0]?.field).toBe('name');
      const long = await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'a'.repeat(129) });
      expect(long.status).toBe(400);
      const badSchema = await stack.request('subscriptions', 'POST', '/v1/event-types', {
        name: 'bad.schema',
        schema: { type: 'no-such-type' },
      });
      expect(badSchema.status).toBe(422);
      expect(badSchema.body?.errors?.[0]?.field).toBe('schema');
      expect((await stack.request('subscriptions', 'GET', '/v1/event-types/bad.schema')).status).toBe(404);
    });

    it('rejects a payload that does not match its type schema with 422 listing the errors, and delivers one that does', async () => {
      await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'user.signup', schema });
      const bad = await publish({ eventType: 'user.signup', payload: { email: 'not-an-email', age: -1, extra: true } });
      expect(bad.status).toBe(422);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      const fields = (bad.body?.errors as { field: string; message: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['payload', 'payload/age', 'payload/email']);
      expect(JSON.stringify(bad.body?.errors)).toContain('extra');
      const missing = await publish({ eventType: 'user.signup', payload: {} });
      expect(missing.status).toBe(422);
      expect(missing.body?.detail).toContain('email');
      const good = await publish({ eventType: 'user.signup', payload: { email: 'a@example.com', age: 30 } });
      expect(good.status).toBe(202);
      await eventually(async () => (await deliveriesOf(good.body?.id as string))?.[0]?.status === 'succeeded');
    });

    it('still delivers a deprecated type, flagging the response', async () => {
      await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'legacy.ping', deprecated: true });
      const response = await publish({ eventType: 'legacy.ping', payload: {} });
      expect(response.status).toBe(202);
      expect(response.body?.deprecated).toBe(true);
      expect(response.headers.get('deprecation')).toBe('true');
      await eventually(async () => (await deliveriesOf(response.body?.id as string))?.[0]?.status === 'succeeded');
      const current = await publish({ eventType: 'user.created', payload: {} });
      expect(current.body?.deprecated).toBeUndefined();
    });
  });

  describe('idempotency', () => {
    it('returns the first event for a repeated id or Idempotency-Key and delivers it once', async () => {
      const first = await publish({ eventType: 'order.placed', payload: { n: 1 }, id: 'order-1' });
      const again = await publish({ eventType: 'order.placed', payload: { n: 1 }, id: 'order-1' });
      expect(first.body).toMatchObject({ id: 'order-1', duplicate: false });
      expect(again.body).toMatchObject({ id: 'order-1', duplicate: true });
      const keyed = await publish({ eventType: 'order.placed', payload: { n: 2 } }, { 'idempotency-key': 'key-2' });
      const keyedAgain = await publish({ eventType: 'order.placed', payload: { n: 2 } }, { 'idempotency-key': 'key-2' });
      expect(keyedAgain.body).toMatchObject({ id: keyed.body?.id, duplicate: true });
      await eventually(async () => (await deliveriesOf('order-1'))?.[0]?.status === 'succeeded');
      await eventually(async () => (await deliveriesOf('key-2'))?.[0]?.status === 'succeeded');
      // Once stored, the event answers repeats even past JetStream's de-duplication window.
      const stored = await publish({ eventType: 'order.placed', payload: { n: 1 }, id: 'order-1' });
      expect(stored.body).toMatchObject({ id: 'order-1', duplicate: true, createdAt: first.body?.createdAt });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await deliveriesOf('order-1')).toHaveLength(1);
      // A delivery of an event with a caller-chosen id is a well-formed dlv_ id that can be read and retried.
      const [delivery] = (await deliveriesOf('order-1')) as unknown as { id: string }[];
      expect(delivery.id).toMatch(/^dlv_[0-9a-z]{26}$/);
      expect((await stack.request('subscriptions', 'GET', `/v1/apps/mgmt/deliveries/${delivery.id}`)).body).toMatchObject({
        eventId: 'order-1',
      });
      expect((await stack.request('subscriptions', 'POST', `/v1/apps/mgmt/deliveries/${delivery.id}/retry`)).status).toBe(202);
    });

    it('keeps event ids per app: another app may use the same id', async () => {
      await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Other', uid: 'other' });
      const response = await stack.request('ingest', 'POST', '/v1/apps/other/events', {
        eventType: 'order.placed',
        payload: {},
        id: 'order-1',
      });
      expect(response.body).toMatchObject({ id: 'order-1', duplicate: false });
    });

    it('replays a management POST with the same Idempotency-Key and does it once', async () => {
      const key = { 'idempotency-key': 'create-app-1' };
      const first = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Once' }, key);
      const again = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Once' }, key);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const apps = (await stack.request('subscriptions', 'GET', '/v1/apps?limit=250')).body?.data as { name: string }[];
      expect(apps.filter((app) => app.name === 'Once')).toHaveLength(1);

      const other = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Different' }, key);
      expect(other.status).toBe(422);
      expect(other.body?.errors?.[0]?.field).toBe('Idempotency-Key');

      // A failed request frees its key: a fixed retry with the same key then runs.
      const failed = await stack.request(
        'subscriptions',
        'POST',
        '/v1/apps/mgmt/endpoints',
        { url: 'ftp://x' },
        { 'idempotency-key': 'ep-1' },
      );
      expect(failed.status).toBe(400);
      const retried = await stack.request(
        'subscriptions',
        'POST',
        '/v1/apps/mgmt/endpoints',
        { url: receiver.url, description: 'fixed' },
        { 'idempotency-key': 'ep-1' },
      );
      expect(retried.status).toBe(201);
      expect(retried.body?.description).toBe('fixed');
      await stack.request('subscriptions', 'DELETE', `/v1/apps/mgmt/endpoints/${retried.body?.id as string}`);
      const bad = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'x' }, { 'idempotency-key': 'has space' });
      expect(bad.status).toBe(400);
    });

    it('runs a request once when repeats with its key arrive at the same time', async () => {
      const key = { 'idempotency-key': 'concurrent-1' };
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Concurrent' }, key)),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
      const ids = new Set(responses.filter((r) => r.status === 201).map((r) => r.body?.id as string));
      expect(ids.size).toBe(1);
      const apps = (await stack.request('subscriptions', 'GET', '/v1/apps?limit=250')).body?.data as { name: string }[];
      expect(apps.filter((app) => app.name === 'Concurrent')).toHaveLength(1);
    });

    it('keeps keys per token', async () => {
      const token = (await stack.request('subscriptions', 'POST', `/v1/apps/${appId}/tokens`, {})).body?.token as string;
      const body = { url: receiver.url, description: 'per token' };
      const byAdmin = await stack.request('subscriptions', 'POST', '/v1/apps/mgmt/endpoints', body, { 'idempotency-key': 'ep-2' });
      const byApp = await stack.request('subscriptions', 'POST', '/v1/apps/mgmt/endpoints', body, {
        'idempotency-key': 'ep-2',
        authorization: `Bearer ${token}`,
      });
      expect(byApp.status).toBe(201);
      expect(byApp.body?.id).not.toBe(byAdmin.body?.id);
      for (const id of [byAdmin.body?.id, byApp.body?.id])
        await stack.request('subscriptions', 'DELETE', `/v1/apps/mgmt/endpoints/${id as string}`);
    });
  });

  describe('batch ingest', () => {
    it('answers each event of a batch in order, an error for the bad ones', async () => {
      const response = await stack.request('ingest', 'POST', '/v1/apps/mgmt/events/batch', {
        events: [
          { eventType: 'batch.one', payload: { i: 1 } },
          { eventType: 'bad type!', payload: {} },
          { eventType: 'batch.two', payload: { i: 2 }, id: 'batch-2' },
          'not an object',
        ],
      });
      expect(response.status).toBe(202);
      const data = response.body?.data as Record<string, any>[];
      expect(data).toHaveLength(4);
      expect(data[0]).toMatchObject({ eventType: 'batch.one', duplicate: false });
      expect(data[1].error).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'events.1.eventType' })] });
      expect(data[2]).toMatchObject({ id: 'batch-2', eventType: 'batch.two' });
      expect(data[3].error).toMatchObject({ status: 400 });
      await eventually(async () => (await deliveriesOf('batch-2'))?.[0]?.status === 'succeeded');
    });

    it('refuses nesting deeper than 32 levels and dates JavaScript cannot read, naming the field', async () => {
      // Built as text: deeper than JSON.stringify itself could serialize.
      const deep = `{"eventType":"deep.one","payload":${'{"d":'.repeat(5000)}{}${'}'.repeat(5000)}}`;
      const nested = await publish(deep);
      expect(nested.status).toBe(400);
      expect(nested.body?.errors?.[0]).toMatchObject({
        field: expect.stringMatching(/^payload(\.d)+$/),
        message: expect.stringContaining('32'),
      });
      const week = await publish({ eventType: 'dated', payload: {}, occurredAt: '2026-W01' });
      expect(week.status).toBe(400);
      expect(week.body?.errors?.[0]?.field).toBe('occurredAt');
      const since = await stack.request('subscriptions', 'GET', '/v1/apps/mgmt/events?since=2026-W01');
      expect(since.body?.errors?.[0]?.field).toBe('since');
    });

    it('refuses a NUL character anywhere in a request, naming the field (PostgreSQL cannot store it)', async () => {
      const batch = await stack.request('ingest', 'POST', '/v1/apps/mgmt/events/batch', {
        events: [
          { eventType: 'nul.ok', payload: {} },
          { eventType: 'nul.bad', payload: { name: 'a\u0000b' } },
        ],
      });
      expect(batch.status).toBe(400);
      expect(batch.body?.errors).toEqual([{ field: 'events.1.payload.name', message: expect.stringContaining('NUL') }]);
      const app = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'x\u0000' });
      expect(app.body?.errors?.[0]?.field).toBe('name');
    });

    it('takes up to 500 events and refuses 501', async () => {
      const events = Array.from({ length: 500 }, (_, i) => ({ eventType: 'batch.many', payload: { i } }));
      const ok = await stack.request('ingest', 'POST', '/v1/apps/mgmt/events/batch', { events });
      expect(ok.status).toBe(202);
      expect((ok.body?.data as { id?: string }[]).filter((r) => r.id)).toHaveLength(500);
      const tooMany = await stack.request('ingest', 'POST', '/v1/apps/mgmt/events/batch', { events: [...events, events[0]] });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body?.errors?.[0]?.field).toBe('events');
      expect((await stack.request('ingest', 'POST', '/v1/apps/mgmt/events/batch', { events: [] })).status).toBe(400);
    });
  });

  describe('event reads', () => {
    it('lists events newest first with filters, and pages stably while new events arrive', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await publish({ eventType: 'page.item', payload: { i } })).body?.id as string);
      const list = async (query: string) =>
        (await stack.request('subscriptions', 'GET', `/v1/apps/mgmt/events?${query}`)).body as Record<string, any>;
      await eventually(async () => (await list('eventType=page.item')).data.length === 5);
      const all = await list('eventType=page.item');
      expect(all.data.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
      expect(all.data[0]).toMatchObject({ appId, eventType: 'page.item', payload: { i: 4 }, channels: null });

      const seen: string[] = [];
      let page = await list('eventType=page.item&limit=2');
      seen.push(...page.data.map((e: { id: string }) => e.id));
      // New events arrive between pages: they are newer than the cursor and do not shift it.
      await publish({ eventType: 'page.item', payload: { i: 5 } });
      await eventually(async () => (await list('eventType=page.item')).data.length === 6);
      while (page.nextCursor) {
        page = await list(`eventType=page.item&limit=2&cursor=${page.nextCursor as string}`);
        seen.push(...page.data.map((e: { id: string }) => e.id));
      }
      expect(seen).toEqual([...ids].reverse());

      const createdAt = all.data[2].createdAt as string;
      const since = await list(`eventType=page.item&since=${encodeURIComponent(createdAt)}`);
      expect(since.data.map((e: { id: string }) => e.id)).toEqual(expect.arrayContaining([ids[2], ids[3], ids[4]]));
      expect(since.data.map((e: { id: string }) => e.id)).not.toContain(ids[1]);
      const until = await list(`eventType=page.item&until=${encodeURIComponent(createdAt)}`);
      expect(until.data.map((e: { id: string }) => e.id)).toEqual([ids[1], ids[0]]);

      const one = await stack.request('subscriptions', 'GET', `/v1/apps/mgmt/events/${ids[0]}`);
      expect(one.body).toMatchObject({ id: ids[0], payload: { i: 0 } });
      expect((await stack.request('subscriptions', 'GET', '/v1/apps/mgmt/events/evt_nope')).status).toBe(404);
      const badCursor = await stack.request('subscriptions', 'GET', '/v1/apps/mgmt/events?cursor=garbage');
      expect(badCursor.status).toBe(400);
      const badSince = await stack.request('subscriptions', 'GET', '/v1/apps/mgmt/events?since=yesterday');
      expect(badSince.body?.errors?.[0]?.field).toBe('since');
    });

    it('filters deliveries by endpoint, event and status', async () => {
      const event = await publish({ eventType: 'filter.me', payload: {} });
      const eventId = event.body?.id as string;
      await eventually(async () => (await deliveriesOf(eventId))?.[0]?.status === 'succeeded');
      const query = (q: string) => stack.request('subscriptions', 'GET', `/v1/apps/mgmt/deliveries?${q}`);
      expect((await query(`endpointId=${endpointId}&eventId=${eventId}&status=succeeded`)).body?.data).toHaveLength(1);
      expect((await query(`eventId=${eventId}&status=failed`)).body?.data).toHaveLength(0);
      expect((await query('status=bogus')).body?.errors?.[0]?.field).toBe('status');
    });
  });

  describe('per-app ingest rate limit', () => {
    it('answers 429 with Retry-After past the limit, per app', async () => {
      await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Noisy', uid: 'noisy' });
      await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Quiet', uid: 'quiet' });
      const events = Array.from({ length: 500 }, (_, i) => ({ eventType: 'noise', payload: { i } }));
      // The bucket holds two seconds' worth (600 at 300/s): a batch of 500 passes, the next one
      // only once 400 more have accrued (1.3 s later).
      expect((await stack.request('ingest', 'POST', '/v1/apps/noisy/events/batch', { events })).status).toBe(202);
      const limited = await stack.request('ingest', 'POST', '/v1/apps/noisy/events/batch', { events });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      expect((await stack.request('ingest', 'POST', '/v1/apps/quiet/events', { eventType: 'calm', payload: {} })).status).toBe(202);
    });
  });

  describe('NATS intake', () => {
    async function rejected(count: number): Promise<JsMsg[]> {
      const consumer = await jetstream(nc).consumers.get(names.streams.rejected, { deliver_policy: DeliverPolicy.All });
      const messages: JsMsg[] = [];
      const iterator = await consumer.fetch({ max_messages: count, expires: 5000 });
      for await (const msg of iterator) messages.push(msg);
      return messages;
    }

    it('accepts a valid message exactly as HTTP would and keeps invalid ones with the reason', async () => {
      await stack.request('subscriptions', 'POST', '/v1/event-types', {
        name: 'nats.strict',
        schema: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
      });
      const js = jetstream(nc);
      const headers = natsHeaders();
      headers.set('Idempotency-Key', 'nats-1');
      await js.publish(names.ingest(appId), JSON.stringify({ eventType: 'nats.arrived', payload: { via: 'nats' } }), { headers });
      await js.publish(names.ingest('mgmt'), JSON.stringify({ eventType: 'nats.arrived', payload: { via: 'uid' }, id: 'nats-2' }));
      await js.publish(names.ingest(appId), JSON.stringify({ eventType: 'nats.strict', payload: { email: 'nope' } }));
      await js.publish(names.ingest(appId), 'this is not json');
      await js.publish(names.ingest('app_unknown'), JSON.stringify({ eventType: 'x', payload: {} }));
      const badKey = natsHeaders();
      badKey.set('Idempotency-Key', 'x'.repeat(300));
      await js.publish(names.ingest(appId), JSON.stringify({ eventType: 'nats.badkey', payload: {} }), { headers: badKey });

      await eventually(async () => (await deliveriesOf('nats-1'))?.[0]?.status === 'succeeded');
      await eventually(async () => (await deliveriesOf('nats-2'))?.[0]?.status === 'succeeded');
      const event = await stack.request('subscriptions', 'GET', '/v1/apps/mgmt/events/nats-1');
      expect(event.body).toMatchObject({ eventType: 'nats.arrived', payload: { via: 'nats' } });

      const kept = await eventually(async () => {
        const messages = await rejected(4);
        return messages.length === 4 && messages;
      });
      // The intake handles messages concurrently: find each rejection by its body.
      const reasonFor = (body: string) => {
        const msg = kept.find((m) => m.string() === body);
        return msg && { subject: msg.subject, error: msg.headers?.get('Herald-Error') };
      };
      const schemaViolation = reasonFor(JSON.stringify({ eventType: 'nats.strict', payload: { email: 'nope' } }));
      expect(schemaViolation?.subject).toBe(names.rejected(appId));
      expect(schemaViolation?.error).toMatch(/^422 payload/);
      expect(reasonFor('this is not json')).toEqual({ subject: names.rejected(appId), error: expect.stringMatching(/^400 .*JSON/) });
      expect(reasonFor(JSON.stringify({ eventType: 'nats.badkey', payload: {} }))?.error).toMatch(/^400 Idempotency-Key/);
      expect(reasonFor(JSON.stringify({ eventType: 'x', payload: {} }))).toEqual({
        subject: names.rejected('app_unknown'),
        error: '404 app not found',
      });
      // Every intake message was acked: the work queue is empty.
      const info = await (await jetstreamManager(nc)).streams.info(names.streams.ingest);
      expect(info.state.messages).toBe(0);
    });
  });
});
