import express from 'express';
import { Webhook } from 'standardwebhooks';
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { PythonReceiver } from './support/python-receiver';
import { recipe } from './support/recipes';
import { eventually, TestStack } from './support/stack';
import { FeedClient } from './support/ws-client';

type Json = Record<string, any>;

jest.setTimeout(90_000);

/** Starts an HTTP server on 127.0.0.1 with a random port; returns its base URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A server that keeps every request (headers and raw body) and answers `status()`. */
function recorder(status: () => number = () => 200) {
  const requests: { path: string; headers: Record<string, string>; rawHeaders: string[]; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        headers: req.headers as Record<string, string>,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status()).end();
    });
  });
  return { server, requests };
}

/**
 * VideoCloud's receiver as its guide writes it (Express, verifyWebhookSignature over
 * JSON.stringify(req.body)); `failing` makes it answer 500 first, as a broken server would.
 */
function videoCloudReceiver(secret: string) {
  const got: Json[] = [];
  const state = { failing: false, hits: 0, secret };
  function verifyWebhookSignature(payload: string, signature: string, key: string): boolean {
    const hmac = createHmac('sha256', key);
    const calculatedSignature = hmac.update(payload).digest('hex');
    return timingSafeEqual(Buffer.from(calculatedSignature, 'hex'), Buffer.from(signature, 'hex'));
  }
  const app = express();
  app.use(express.json());
  app.post('/webhooks', (req, res) => {
    state.hits += 1;
    if (state.failing) {
      res.status(500).send('down');
      return;
    }
    const signature = req.headers['x-videocloud-signature'] as string;
    const payload = JSON.stringify(req.body);
    if (!verifyWebhookSignature(payload, signature, state.secret)) {
      res.status(401).send('Invalid signature');
      return;
    }
    got.push(req.body as Json);
    res.status(200).send('OK');
  });
  return { server: createServer(app), got, state };
}

describe('the seed products on Herald: their receivers, their panels, and operators told when delivery goes wrong', () => {
  let stack: TestStack;
  let appToken: string;
  let feed: FeedClient;
  const servers: Server[] = [];
  const pythons: PythonReceiver[] = [];
  /** What the operations app's endpoint received, each checked with the standardwebhooks library. */
  const operational: { type: string; payload: Json; verified: boolean }[] = [];

  beforeAll(async () => {
    stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher', 'realtime-gateway'], { HERALD_OPERATIONS_APP: 'ops' });
    expect((await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Seeds', uid: 'seeds' })).status).toBe(201);
    expect((await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Operations', uid: 'ops' })).status).toBe(201);
    const token = await stack.request('subscriptions', 'POST', '/v1/apps/seeds/tokens', { description: 'the panels' });
    appToken = token.body?.token as string;

    let opsSecret = '';
    const { server, requests } = recorder();
    server.on('request', (req) =>
      req.on('end', () => {
        const request = requests[requests.length - 1];
        let verified = false;
        try {
          new Webhook(opsSecret).verify(request.body, request.headers);
          verified = true;
        } catch {
          verified = false;
        }
        const body = JSON.parse(request.body) as Json;
        operational.push({ type: body.type as string, payload: body.data as Json, verified });
      }),
    );
    servers.push(server);
    const ops = await stack.request(
      'subscriptions',
      'POST',
      '/v1/apps/ops/endpoints',
      recipe('operations', { url: `${await listen(server)}/alerts` }),
    );
    expect(ops.status).toBe(201);
    opsSecret = (await stack.request('subscriptions', 'GET', `/v1/apps/ops/endpoints/${ops.body?.id}/secret`)).body?.secret as string;

    feed = await FeedClient.connect(`${stack.url('realtime-gateway').replace('http', 'ws')}/ws?token=${stack.env.token}`);
    await eventually(async () => feed.find((m) => m.type === 'connection'));
  });

  afterAll(async () => {
    feed?.close();
    for (const receiver of pythons) receiver.stop();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await stack?.close();
  });

  /** A request with the app token, as a product's panel would send it. */
  function panel(method: string, path: string, body?: unknown) {
    return stack.request('subscriptions', method, path, body, { authorization: `Bearer ${appToken}` });
  }

  async function publish(eventType: string, payload: Json): Promise<string> {
    const response = await stack.request('ingest', 'POST', '/v1/apps/seeds/events', { eventType, payload });
    expect(response.status).toBe(202);
    return response.body?.id as string;
  }

  async function delivery(eventId: string, endpointId: string, done: (d: Json) => boolean, timeoutMs = 15_000): Promise<Json> {
    return eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/deliveries?eventId=${eventId}&endpointId=${endpointId}`);
      const found = list.body?.data?.[0] as Json | undefined;
      return found && done(found) ? found : undefined;
    }, timeoutMs);
  }

  const succeeded = (eventId: string, endpointId: string) => delivery(eventId, endpointId, (d) => d.status === 'succeeded');

  function expectProblem(response: { status: number; headers: Headers; body: Json | null }, status: number, field?: string): void {
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({
      status,
      type: expect.stringContaining('application/problem+json'),
    });
    if (field) expect(response.body?.errors?.map((e: Json) => e.field)).toContain(field);
  }

  it('VideoCloud’s panel drives /compat/videocloud/webhooks; its Express code verifies each delivery; history and test sends read as its guide shows', async () => {
    const schema = {
      type: 'object',
      required: ['videoId', 'status'],
      properties: { videoId: { type: 'string' }, status: { type: 'string' } },
    };
    const example = { videoId: 'vid_123456', status: 'ready' };
    const badExample = await stack.request('subscriptions', 'POST', '/v1/event-types', {
      name: 'video.processed',
      schema,
      example: { videoId: 5 },
    });
    expectProblem(badExample, 422);
    expect(badExample.body?.errors.map((e: Json) => e.field)).toEqual(expect.arrayContaining(['example', 'example/videoId']));
    // An example is no larger than a payload: the management API's bodies are limited to HERALD_MAX_PAYLOAD_BYTES (65536 here).
    const huge = await stack.request('subscriptions', 'POST', '/v1/event-types', {
      name: 'video.huge',
      example: { blob: 'x'.repeat(70_000) },
    });
    expectProblem(huge, 413);
    const type = await stack.request('subscriptions', 'POST', '/v1/event-types', { name: 'video.processed', schema, example });
    expect(type.status).toBe(201);
    expect(type.body?.example).toEqual(example);

    const receiver = videoCloudReceiver('your_webhook_secret');
    servers.push(receiver.server);
    const url = `${await listen(receiver.server)}/webhooks`;
    const created = await panel('POST', '/compat/videocloud/webhooks', recipe('videocloud-compat', { url, events: ['video.*'] }));
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      success: true,
      data: {
        id: expect.stringMatching(/^ep_/),
        url,
        events: ['video.*'],
        status: 'active',
        createdAt: expect.any(String),
        lastDelivery: null,
      },
    });
    const id = created.body?.data.id as string;
    // Underneath: a Herald endpoint in VideoCloud's dialect.
    const native = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/endpoints/${id}`);
    expect(native.body).toMatchObject({
      compat: 'videocloud',
      signature: { scheme: 'hmac-sha256', header: 'X-VideoCloud-Signature', encoding: 'hex' },
      retrySchedule: [60, 300, 900, 1800, 3600],
      retryJitter: 0,
      disableOnExhaustion: true,
      lastDelivery: null,
      health: { successRate24h: null, circuit: 'closed' },
    });

    const data = { videoId: 'vid_123456', title: 'Моё видео', size: 10485760, duration: 120, format: 'mp4' };
    const eventId = await publish('video.uploaded', data);
    await succeeded(eventId, id);
    expect(receiver.got).toEqual([{ event: 'video.uploaded', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), data }]);

    // A test send without a payload carries the event type's example.
    const test = await panel('POST', `/compat/videocloud/webhooks/${id}/test`, { event: 'video.processed' });
    expect(test.status).toBe(200);
    expect(test.body).toEqual({ success: true, data: { deliveryId: expect.stringMatching(/^dlv_/), status: 'sent' } });
    await eventually(async () => receiver.got.find((g) => g.event === 'video.processed'));
    expect(receiver.got[1]).toEqual({ event: 'video.processed', timestamp: expect.any(String), data: example });

    // An example must keep matching the schema.
    const badPatch = await stack.request('subscriptions', 'PATCH', '/v1/event-types/video.processed', {
      example: { videoId: 1, status: 'ready' },
    });
    expectProblem(badPatch, 422, 'example/videoId');
    const looser = await stack.request('subscriptions', 'PATCH', '/v1/event-types/video.processed', { example: null });
    expect([looser.status, looser.body?.example]).toEqual([200, null]);

    const list = await panel('GET', '/compat/videocloud/webhooks');
    expect(list.body).toEqual({
      success: true,
      data: {
        items: [expect.objectContaining({ id, status: 'active', lastDelivery: { success: true, timestamp: expect.any(String) } })],
        total: 1,
      },
    });
    const history = await eventually(async () => {
      const response = await panel('GET', `/compat/videocloud/webhooks/${id}/deliveries`);
      return response.body?.data?.total === 2 ? response.body : undefined;
    });
    expect(history.data.items).toEqual([
      {
        id: test.body?.data.deliveryId,
        event: 'video.processed',
        status: 'success',
        responseCode: 200,
        timestamp: expect.any(String),
        retries: 0,
      },
      {
        id: expect.stringMatching(/^dlv_/),
        event: 'video.uploaded',
        status: 'success',
        responseCode: 200,
        timestamp: expect.any(String),
        retries: 0,
      },
    ]);
    const page = await panel('GET', `/compat/videocloud/webhooks/${id}/deliveries?limit=1&offset=1`);
    expect(page.body?.data.items.map((i: Json) => i.event)).toEqual(['video.uploaded']);

    // The guide's update: new events and a new secret, which the next delivery is signed with.
    const updated = await panel('PUT', `/compat/videocloud/webhooks/${id}`, {
      events: ['video.*', 'user.registered'],
      secret: 'new_webhook_secret',
    });
    expect(updated.body?.data.events).toEqual(['video.*', 'user.registered']);
    receiver.state.secret = 'new_webhook_secret';
    const registered = await publish('user.registered', { userId: 'usr_123456', email: 'user@example.com' });
    await succeeded(registered, id);
    expect(receiver.got[2]).toEqual({
      event: 'user.registered',
      timestamp: expect.any(String),
      data: { userId: 'usr_123456', email: 'user@example.com' },
    });

    // Same auth, validation and problem+json as the rest of Herald.
    expectProblem(await panel('POST', '/compat/videocloud/webhooks', { url: 'not a url', events: [] }), 400, 'url');
    expectProblem(await panel('POST', '/compat/videocloud/webhooks', { url, events: ['video.*'], secret: 'short' }), 400, 'secret');
    expectProblem(await stack.request('subscriptions', 'GET', '/compat/videocloud/webhooks'), 400, 'app');
    const asAdmin = await stack.request('subscriptions', 'GET', '/compat/videocloud/webhooks?app=seeds');
    expect(asAdmin.body?.data.items.map((i: Json) => i.id)).toEqual([id]);
    expectProblem(await panel('GET', '/compat/videocloud/webhooks?app=ops'), 404);
    expectProblem(await panel('GET', '/compat/videocloud/webhooks/ep_00000000000000000000000000'), 404);
    expectProblem(
      await stack.request('subscriptions', 'GET', '/compat/videocloud/webhooks', undefined, { authorization: 'Bearer nope' }),
      401,
    );

    const deleted = await panel('DELETE', `/compat/videocloud/webhooks/${id}`);
    expect(deleted.body).toEqual({ success: true, data: { id } });
    expectProblem(await panel('GET', `/compat/videocloud/webhooks/${id}`), 404);
  });

  it('VideoCloud’s rule: retries exactly on schedule without jitter, disabled after its last attempt (operators told), re-activated', async () => {
    const receiver = videoCloudReceiver('your_webhook_secret');
    servers.push(receiver.server);
    const url = `${await listen(receiver.server)}/webhooks`;
    const created = await panel('POST', '/compat/videocloud/webhooks', recipe('videocloud-compat', { url, events: ['video.*'] }));
    const id = created.body?.data.id as string;
    // The test's short schedule, instead of 1, 5, 15, 30 and 60 minutes; still no jitter.
    const patched = await stack.request('subscriptions', 'PATCH', `/v1/apps/seeds/endpoints/${id}`, { retrySchedule: [2, 3] });
    expect(patched.body).toMatchObject({ retrySchedule: [2, 3], retryJitter: 0, disableOnExhaustion: true });

    receiver.state.failing = true;
    const eventId = await publish('video.published', { videoId: 'vid_1' });
    // Each failure is recorded with its next attempt exactly the scheduled delay after it.
    for (const [attemptCount, delayMs] of [
      [1, 2000],
      [2, 3000],
    ]) {
      const waiting = await delivery(
        eventId,
        id,
        (d) => d.attemptCount === attemptCount && d.status === 'pending' && d.nextAttemptAt !== null,
      );
      expect(Date.parse(waiting.nextAttemptAt as string) - Date.parse(waiting.updatedAt as string)).toBe(delayMs);
    }
    const exhausted = await delivery(eventId, id, (d) => d.status === 'failed');
    expect(exhausted.attemptCount).toBe(3);
    const disabled = await eventually(async () => {
      const response = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/endpoints/${id}`);
      return response.body?.disabled ? response.body : undefined;
    });
    expect(disabled).toMatchObject({ disabledReason: 'exhausted', lastDelivery: { status: 'failed', responseStatus: 500 } });
    expect((await panel('GET', `/compat/videocloud/webhooks/${id}`)).body?.data.status).toBe('failed');
    const history = await panel('GET', `/compat/videocloud/webhooks/${id}/deliveries`);
    expect(history.body?.data.items).toEqual([
      {
        id: exhausted.id,
        event: 'video.published',
        status: 'failed',
        responseCode: 500,
        timestamp: expect.any(String),
        retries: 2,
        error: 'Server responded with 500 status code',
      },
    ]);

    // Operators hear of it: an operational webhook per happening, and the same on the live feed.
    const app = { id: expect.stringMatching(/^app_/), uid: 'seeds', name: 'Seeds' };
    await eventually(async () => operational.find((o) => o.type === 'herald.endpoint.disabled' && o.payload.endpoint.id === id));
    expect(operational.filter((o) => o.payload.endpoint?.id === id)).toEqual([
      {
        type: 'herald.delivery.exhausted',
        verified: true,
        payload: {
          app,
          endpoint: { id, url, name: null },
          reason: 'http_status',
          delivery: { id: exhausted.id, eventId, eventType: 'video.published', attempts: 3 },
          lastAttempt: { responseStatus: 500, error: 'http_status', durationMs: expect.any(Number) },
        },
      },
      {
        type: 'herald.endpoint.disabled',
        verified: true,
        payload: { app, endpoint: { id, url, name: null }, reason: 'exhausted', failedPendingDeliveries: 0 },
      },
    ]);
    await eventually(async () => feed.find((m) => m.type === 'endpoint.disabled' && m.payload.endpointId === id));
    expect(feed.find((m) => m.type === 'endpoint.disabled' && m.payload.endpointId === id)?.payload).toEqual({
      endpointId: id,
      reason: 'exhausted',
    });
    expect(feed.find((m) => m.type === 'delivery.exhausted' && m.payload.deliveryId === exhausted.id)).toBeDefined();

    // Re-activated by hand, as VideoCloud's guide says; deliveries flow again.
    receiver.state.failing = false;
    const enabled = await panel('POST', `/v1/apps/seeds/endpoints/${id}/enable`);
    expect(enabled.body).toMatchObject({ disabled: false, disabledReason: null });
    expect((await panel('GET', `/compat/videocloud/webhooks/${id}`)).body?.data.status).toBe('active');
    await eventually(async () => operational.find((o) => o.type === 'herald.endpoint.enabled' && o.payload.endpoint.id === id));
    await eventually(async () => feed.find((m) => m.type === 'endpoint.enabled' && m.payload.endpointId === id));
    const again = await publish('video.published', { videoId: 'vid_2' });
    await succeeded(again, id);
    expect(receiver.got).toEqual([{ event: 'video.published', timestamp: expect.any(String), data: { videoId: 'vid_2' } }]);
  });

  it('the Telegram panel drives /compat/bedolaga/webhooks; its Python verifier accepts the signed deliveries; unsigned without a secret', async () => {
    const secret = 'optional-secret-for-signing';
    const receiver = await new PythonReceiver('telegram_panel_receiver.py', [secret]).start();
    pythons.push(receiver);
    const plain = recorder();
    servers.push(plain.server);
    const plainUrl = `${await listen(plain.server)}/hook`;

    const signed = await panel('POST', '/compat/bedolaga/webhooks', recipe('bedolaga-compat', { url: receiver.url('/webhook') }));
    expect(signed.status).toBe(201);
    expect(signed.body).toEqual({
      id: expect.stringMatching(/^ep_/),
      name: 'My Webhook',
      url: receiver.url('/webhook'),
      event_type: 'user.created',
      is_active: true,
      description: 'Webhook для новых пользователей',
      has_secret: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      last_triggered_at: null,
      success_count: 0,
      failure_count: 0,
    });
    const unsigned = await panel('POST', '/compat/bedolaga/webhooks', { name: 'Unsigned', url: plainUrl, event_type: 'user.created' });
    expect(unsigned.body).toMatchObject({ has_secret: false, description: null });

    const payload = {
      user_id: 123,
      telegram_id: 456789,
      username: 'testuser',
      first_name: 'Тест',
      last_name: 'User',
      referral_code: 'refABC123',
      referred_by_id: null,
    };
    const eventId = await publish('user.created', payload);
    await succeeded(eventId, signed.body?.id as string);
    await succeeded(eventId, unsigned.body?.id as string);
    expect(receiver.received).toEqual([{ verified: true, event: 'user.created', webhookId: signed.body?.id, payload }]);
    expect(plain.requests).toHaveLength(1);
    expect(plain.requests[0].headers).toMatchObject({ 'x-webhook-event': 'user.created', 'x-webhook-id': unsigned.body?.id });
    expect(plain.requests[0].headers['x-webhook-signature']).toBeUndefined();
    expect(JSON.parse(plain.requests[0].body)).toEqual(payload);

    const first = await panel('GET', '/compat/bedolaga/webhooks?event_type=user.created&is_active=true&limit=1&offset=0');
    const second = await panel('GET', '/compat/bedolaga/webhooks?event_type=user.created&is_active=true&limit=1&offset=1');
    expect([first.body?.total, first.body?.limit, first.body?.offset, second.body?.offset]).toEqual([2, 1, 0, 1]);
    expect([first.body?.items[0].id, second.body?.items[0].id].sort()).toEqual([signed.body?.id, unsigned.body?.id].sort());

    const paused = await panel('PATCH', `/compat/bedolaga/webhooks/${unsigned.body?.id}`, { name: 'Paused', is_active: false });
    expect(paused.body).toMatchObject({ name: 'Paused', is_active: false });
    // Switched off by the panel: told like any disabling, with reason "manual".
    await eventually(async () =>
      operational.find(
        (o) => o.type === 'herald.endpoint.disabled' && o.payload.endpoint.id === unsigned.body?.id && o.payload.reason === 'manual',
      ),
    );
    await eventually(async () => feed.find((m) => m.type === 'endpoint.disabled' && m.payload.endpointId === unsigned.body?.id));
    const inactive = await panel('GET', '/compat/bedolaga/webhooks?is_active=false');
    expect(inactive.body?.items.map((i: Json) => i.id)).toEqual([unsigned.body?.id]);

    expect((await panel('GET', '/compat/bedolaga/webhooks/stats')).body).toEqual({
      total_webhooks: 2,
      active_webhooks: 1,
      total_deliveries: 2,
      successful_deliveries: 2,
      failed_deliveries: 0,
      pending_deliveries: 0,
      success_rate: 100,
    });
    const deliveries = await panel('GET', `/compat/bedolaga/webhooks/${signed.body?.id}/deliveries?status=success&limit=50&offset=0`);
    expect(deliveries.body).toEqual({
      items: [
        {
          id: expect.stringMatching(/^dlv_/),
          webhook_id: signed.body?.id,
          event_type: 'user.created',
          event_id: eventId,
          status: 'success',
          response_status: 200,
          error_message: null,
          attempt_number: 1,
          created_at: expect.any(String),
          delivered_at: expect.any(String),
          next_retry_at: null,
        },
      ],
      total: 1,
      limit: 50,
      offset: 0,
    });
    expect((await panel('GET', `/compat/bedolaga/webhooks/${signed.body?.id}/deliveries?status=failed`)).body?.total).toBe(0);
    expect((await panel('GET', `/compat/bedolaga/webhooks/${signed.body?.id}`)).body).toMatchObject({
      success_count: 1,
      last_triggered_at: expect.any(String),
    });

    expectProblem(await panel('GET', `/compat/bedolaga/webhooks/${signed.body?.id}/deliveries?status=done`), 400, 'status');
    expectProblem(await panel('GET', '/compat/bedolaga/webhooks?limit=0'), 400, 'limit');
    expectProblem(await panel('POST', '/compat/bedolaga/webhooks', { url: plainUrl, event_type: 'user created!' }), 400, 'event_type');
    expectProblem(await panel('POST', '/compat/bedolaga/webhooks', { url: plainUrl, event_type: 'user.created' }), 400, 'name');
    expectProblem(await panel('PATCH', `/compat/bedolaga/webhooks/${signed.body?.id}`, { is_active: 'yes' }), 400, 'is_active');
    // Each compatibility API sees only its own webhooks.
    expectProblem(await panel('GET', `/compat/videocloud/webhooks/${signed.body?.id}`), 404);

    const removedSecret = await panel('PATCH', `/compat/bedolaga/webhooks/${signed.body?.id}`, { secret: null });
    expect(removedSecret.body?.has_secret).toBe(false);
    expect((await panel('DELETE', `/compat/bedolaga/webhooks/${unsigned.body?.id}`)).status).toBe(204);
    expectProblem(await panel('GET', `/compat/bedolaga/webhooks/${unsigned.body?.id}`), 404);
  });

  it('Marzban: the guide’s own Flask receiver reads one object, HMAC-checked, with the guide’s 15-character secret', async () => {
    const ep = await stack.request(
      'subscriptions',
      'POST',
      '/v1/apps/seeds/endpoints',
      recipe('marzban-flask', { url: 'http://127.0.0.1:1/webhook' }),
    );
    expect(ep.status).toBe(201);
    const flask = await new PythonReceiver('marzban_flask_receiver.py', [recipe('marzban-flask').secret as string]).start();
    pythons.push(flask);
    await stack.request('subscriptions', 'PATCH', `/v1/apps/seeds/endpoints/${ep.body?.id}`, { url: flask.url('/webhook') });
    const eventId = await publish('user.created', { username: 'example_user' });
    await succeeded(eventId, ep.body?.id as string);
    const event = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/events/${eventId}`);

    // The guide's handler printed the event and answered 200 (403 had the HMAC not matched).
    expect(flask.received.filter((r) => r.line)).toEqual([{ line: 'Получено событие: user_created для пользователя: example_user' }]);
    const [request] = flask.received.filter((r) => r.status);
    expect(request.status).toBe(200);
    expect(request.payload).toEqual({
      username: 'example_user',
      action: 'user_created',
      enqueued_at: Date.parse(event.body?.occurredAt as string) / 1000,
      tries: 0,
    });
    expect(request.headers).toMatchObject({ 'x-webhook-delivery': eventId, 'user-agent': expect.stringMatching(/^Herald\//) });
    // Byte for byte what Marzban's Python would send: json.dumps of the same object.
    const redumped = execFileSync(
      'python3',
      ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1])))', request.body as string],
      {
        encoding: 'utf8',
      },
    );
    expect(request.body).toBe(redumped);
    expect(request.body).toContain('"username": "example_user", "action": "user_created"');
  });

  it('legacy receivers as they are: short secrets, their own User-Agent, an event-id header, Python’s default json.dumps', async () => {
    const capture = recorder();
    servers.push(capture.server);
    const url = `${await listen(capture.server)}/legacy`;
    const tooShort = await stack.request('subscriptions', 'POST', '/v1/apps/seeds/endpoints', {
      url,
      secret: '1234567',
      signature: { scheme: 'shared-secret', header: 'X-Secret' },
    });
    expectProblem(tooShort, 400, 'secret');
    expectProblem(
      await stack.request('subscriptions', 'POST', '/v1/apps/seeds/endpoints', { url, idHeader: 'webhook-id' }),
      400,
      'idHeader',
    );
    expectProblem(await stack.request('subscriptions', 'POST', '/v1/apps/seeds/endpoints', { url, retryJitter: 0.6 }), 400, 'retryJitter');
    expectProblem(
      await stack.request('subscriptions', 'POST', '/v1/apps/seeds/endpoints', { url, disableOnExhaustion: 'yes' }),
      400,
      'disableOnExhaustion',
    );
    const ep = await stack.request('subscriptions', 'POST', '/v1/apps/seeds/endpoints', {
      url,
      name: 'Legacy',
      eventTypes: ['legacy.*'],
      secret: '12345678',
      signature: { scheme: 'shared-secret', header: 'X-Secret' },
      headers: { 'User-Agent': 'Marzban/0.8.4' },
      idHeader: 'X-Webhook-Delivery',
      body: { envelope: 'data', serialization: 'python' },
    });
    expect(ep.body).toMatchObject({ name: 'Legacy', idHeader: 'X-Webhook-Delivery' });
    const payload = { zeta: 1, alpha: 'é😀', nested: { b: [1.5, true, null], a: 'x' } };
    const eventId = await publish('legacy.thing', payload);
    await succeeded(eventId, ep.body?.id as string);
    const [request] = capture.requests;
    expect(request.headers).toMatchObject({ 'user-agent': 'Marzban/0.8.4', 'x-webhook-delivery': eventId, 'x-secret': '12345678' });
    // Exactly one User-Agent on the wire (Node would hide a second one from req.headers).
    const userAgents = request.rawHeaders.filter((_, i) => i % 2 === 0 && request.rawHeaders[i].toLowerCase() === 'user-agent');
    expect(userAgents).toHaveLength(1);
    expect(request.body).toBe(
      execFileSync('python3', ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1])))', JSON.stringify(payload)], {
        encoding: 'utf8',
      }),
    );
  });

  it('what monitoring reads: endpoint health and circuit (failing and recovered told to operators), lastAttempt, filters, totals, app stats', async () => {
    const state = { failing: true };
    const flaky = recorder(() => (state.failing ? 500 : 200));
    servers.push(flaky.server);
    const url = `${await listen(flaky.server)}/metrics`;
    const startedAt = new Date(Date.now() - 1000).toISOString();
    const created = await stack.request('subscriptions', 'POST', '/v1/apps/seeds/endpoints', {
      url,
      eventTypes: ['metric.*'],
      retrySchedule: [],
      signature: { scheme: 'none' },
    });
    const id = created.body?.id as string;
    const failures: string[] = [];
    for (let i = 0; i < 5; i += 1) failures.push(await publish('metric.tick', { i }));
    for (const eventId of failures) await delivery(eventId, id, (d) => d.status === 'failed');

    // Five failures in a row opened the circuit.
    await eventually(async () => operational.find((o) => o.type === 'herald.endpoint.failing' && o.payload.endpoint.id === id));
    await eventually(async () => feed.find((m) => m.type === 'endpoint.failing' && m.payload.endpointId === id));
    const failing = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/endpoints/${id}`);
    expect(failing.body?.lastDelivery).toEqual({ status: 'failed', at: expect.any(String), responseStatus: 500 });
    expect(failing.body?.health.successRate24h).toBe(0);
    expect(['open', 'half-open']).toContain(failing.body?.health.circuit);

    // The receiver is back: the delivery waits out the circuit's cooldown, then closes it.
    state.failing = false;
    const recovered = await publish('metric.other', { i: 5 });
    await delivery(recovered, id, (d) => d.status === 'succeeded', 30_000);
    await eventually(async () => operational.find((o) => o.type === 'herald.endpoint.recovered' && o.payload.endpoint.id === id));
    await eventually(async () => feed.find((m) => m.type === 'endpoint.recovered' && m.payload.endpointId === id));
    expect(operational.find((o) => o.type === 'herald.endpoint.failing' && o.payload.endpoint.id === id)).toMatchObject({
      verified: true,
      payload: { app: { uid: 'seeds' }, endpoint: { id, url }, reason: expect.stringContaining('circuit') },
    });
    const healthy = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/endpoints/${id}`);
    expect(healthy.body?.lastDelivery).toEqual({ status: 'succeeded', at: expect.any(String), responseStatus: 200 });
    expect(healthy.body?.health).toEqual({ successRate24h: 1 / 6, circuit: 'closed' });

    const list = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/deliveries?endpointId=${id}&withTotal=true&limit=2`);
    expect(list.body?.total).toBe(6);
    expect(list.body?.data).toHaveLength(2);
    expect(list.body?.data[0].lastAttempt).toEqual({
      at: expect.any(String),
      responseStatus: 200,
      error: null,
      durationMs: expect.any(Number),
    });
    expect(list.body?.data[1].lastAttempt).toEqual({
      at: expect.any(String),
      responseStatus: 500,
      error: 'http_status',
      durationMs: expect.any(Number),
    });
    const byType = await stack.request(
      'subscriptions',
      'GET',
      `/v1/apps/seeds/deliveries?endpointId=${id}&eventType=metric.other&withTotal=true`,
    );
    expect([byType.body?.total, byType.body?.data[0].eventId]).toEqual([1, recovered]);
    const inWindow = await stack.request(
      'subscriptions',
      'GET',
      `/v1/apps/seeds/deliveries?endpointId=${id}&since=${startedAt}&until=${new Date(Date.now() + 60_000).toISOString()}&withTotal=true`,
    );
    expect(inWindow.body?.total).toBe(6);
    const before = await stack.request(
      'subscriptions',
      'GET',
      `/v1/apps/seeds/deliveries?endpointId=${id}&until=${startedAt}&withTotal=true`,
    );
    expect([before.body?.total, before.body?.data]).toEqual([0, []]);
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/seeds/deliveries?endpointId=${id}`)).body?.total).toBeUndefined();
    expectProblem(await stack.request('subscriptions', 'GET', '/v1/apps/seeds/deliveries?since=yesterday'), 400, 'since');
    expectProblem(
      await stack.request('subscriptions', 'GET', `/v1/apps/seeds/deliveries?since=${startedAt}&until=${startedAt}`),
      400,
      'until',
    );
    expectProblem(await stack.request('subscriptions', 'GET', '/v1/apps/seeds/deliveries?withTotal=maybe'), 400, 'withTotal');

    // Every list answers `total` when asked.
    const events = await stack.request('subscriptions', 'GET', '/v1/apps/seeds/events?eventType=metric.tick&withTotal=true');
    expect(events.body?.total).toBe(5);
    for (const path of ['/v1/apps', '/v1/apps/seeds/endpoints', '/v1/event-types', '/v1/apps/seeds/tokens']) {
      const response = await stack.request('subscriptions', 'GET', `${path}?withTotal=true&limit=1`);
      expect([path, response.status, typeof response.body?.total, response.body?.total >= response.body?.data.length]).toEqual([
        path,
        200,
        'number',
        true,
      ]);
    }

    // Other tests' endpoints may have deliveries in the window too: this endpoint's line, and totals that add up.
    const stats = await stack.request('subscriptions', 'GET', `/v1/apps/seeds/stats?since=${startedAt}`);
    expect(stats.body?.endpoints.filter((e: Json) => e.endpointId === id)).toEqual([
      {
        endpointId: id,
        total: 6,
        succeeded: 1,
        failed: 5,
        pending: 0,
        successRate: 1 / 6,
        latencyMs: { p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) },
      },
    ]);
    for (const field of ['total', 'succeeded', 'failed', 'pending'])
      expect(stats.body?.[field]).toBe(stats.body?.endpoints.reduce((sum: number, e: Json) => sum + (e[field] as number), 0));
    expect(stats.body?.succeeded).toBeGreaterThanOrEqual(1);
    expect(stats.body?.failed).toBeGreaterThanOrEqual(5);
    expect((await stack.request('subscriptions', 'GET', '/v1/apps/seeds/stats')).body?.total).toBeGreaterThan(6);
    expectProblem(await stack.request('subscriptions', 'GET', '/v1/apps/seeds/stats?since=soon'), 400, 'since');
  });
  it('keeps the herald.* event types to Herald: nobody publishes a fake operational event through ingest', async () => {
    for (const app of ['ops', 'seeds']) {
      const refused = await stack.request('ingest', 'POST', `/v1/apps/${app}/events`, {
        eventType: 'herald.endpoint.disabled',
        payload: { app: { id: 'app_x' }, endpoint: { id: 'ep_x' }, reason: 'forged' },
      });
      expectProblem(refused, 422, 'eventType');
    }
    const batch = await stack.request('ingest', 'POST', '/v1/apps/ops/events/batch', {
      events: [
        { eventType: 'herald.delivery.exhausted', payload: {} },
        { eventType: 'heraldic.crest', payload: {} },
      ],
    });
    expect(batch.body?.data?.[0]?.error).toMatchObject({
      status: 422,
      errors: [{ field: 'events.0.eventType', message: expect.any(String) }],
    });
    expect(batch.body?.data?.[1]?.id).toMatch(/^evt_/);
  });
});
