import express from 'express';
import { Webhook } from 'standardwebhooks';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { PythonReceiver } from './support/python-receiver';
import { recipe } from './support/recipes';
import { eventually, TestStack } from './support/stack';

type Json = Record<string, any>;

/** Starts an HTTP server on 127.0.0.1 with a random port; returns its base URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('speaking each receiver’s dialect (the seed documents’ own receiver code)', () => {
  let stack: TestStack;
  const servers: Server[] = [];
  const pythons: PythonReceiver[] = [];

  beforeAll(async () => {
    stack = await TestStack.start();
    await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Dialects', uid: 'dialects' });
  });

  afterAll(async () => {
    for (const receiver of pythons) receiver.stop();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await stack?.close();
  });

  async function endpoint(body: Json): Promise<Json> {
    const response = await stack.request('subscriptions', 'POST', '/v1/apps/dialects/endpoints', body);
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as Json;
  }

  async function publish(eventType: string, payload: Json): Promise<string> {
    const response = await stack.request('ingest', 'POST', '/v1/apps/dialects/events', { eventType, payload });
    expect(response.status).toBe(202);
    return response.body?.id as string;
  }

  async function succeeded(eventId: string, endpointId: string): Promise<Json> {
    return eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/dialects/deliveries?eventId=${eventId}&endpointId=${endpointId}`);
      const delivery = list.body?.data?.[0] as Json | undefined;
      return delivery?.status === 'succeeded' ? delivery : undefined;
    });
  }

  it('the Telegram bot panel: X-Webhook-* headers and a sha256= signature its Python verifier accepts, with non-ASCII text', async () => {
    const secret = 'panel-secret-Ωmega-0123456789';
    const receiver = await new PythonReceiver('telegram_panel_receiver.py', [secret]).start();
    pythons.push(receiver);
    const ep = await endpoint(recipe('bedolaga', { url: receiver.url('/webhook'), eventTypes: ['panel.*'], secret }));
    const payload = { user_id: 123, telegram_id: 456789, first_name: 'Тест', last_name: 'Überprüfung 😀', balance: 10.5, tags: ['a', 'б'] };
    const eventId = await publish('panel.user.created', payload);
    await succeeded(eventId, ep.id as string);
    expect(receiver.received).toEqual([{ verified: true, event: 'panel.user.created', webhookId: ep.id, payload }]);
  });

  it('Marzban: batched JSON arrays of {username, action, enqueued_at, tries} with x-webhook-secret, by header and by HMAC', async () => {
    const secret = 'marzban-secret-key-42';
    const receiver = await new PythonReceiver('marzban_receiver.py', [secret]).start();
    pythons.push(receiver);
    // The documented recipe of Marzban's real behaviour (a JSON array every 30 s), waiting 300 ms here.
    const batch = { maxSize: 10, maxWaitMs: 300 };
    const byHeader = await endpoint(recipe('marzban-batch', { url: receiver.url('/header'), secret, batch }));
    const byHmac = await endpoint(
      recipe('marzban-batch', {
        url: receiver.url('/hmac'),
        secret,
        batch,
        signature: { scheme: 'hmac-sha256', header: 'x-webhook-secret', encoding: 'hex' },
      }),
    );
    const created = await publish('user.created', { username: 'example_user' });
    const updated = await publish('user.updated', { username: 'other_user' });
    for (const eventId of [created, updated]) {
      await succeeded(eventId, byHeader.id as string);
      await succeeded(eventId, byHmac.id as string);
    }
    for (const path of ['/header', '/hmac']) {
      const requests = receiver.received.filter((r) => r.path === path);
      expect(requests.every((r) => r.verified === true && Array.isArray(r.payload))).toBe(true);
      const items = requests.flatMap((r) => r.payload as Json[]);
      expect(items.sort((a, b) => (a.username < b.username ? -1 : 1))).toEqual([
        { username: 'example_user', action: 'user_created', enqueued_at: expect.any(Number), tries: 0 },
        { username: 'other_user', action: 'user_updated', enqueued_at: expect.any(Number), tries: 0 },
      ]);
    }
    // The shared secret is never stored with the attempt.
    const delivery = await succeeded(created, byHeader.id as string);
    const detail = await stack.request('subscriptions', 'GET', `/v1/apps/dialects/deliveries/${delivery.id}`);
    expect(detail.body?.attempts[0].requestHeaders['x-webhook-secret']).toBe('[redacted]');
  });

  it('the video platform: {event, timestamp, data} with X-VideoCloud-Signature verified by its Express code, and its retry schedule', async () => {
    const secret = 'your_webhook_secret';
    const got: Json[] = [];
    function verifyWebhookSignature(payload: string, signature: string, key: string): boolean {
      const hmac = createHmac('sha256', key);
      const calculatedSignature = hmac.update(payload).digest('hex');
      return timingSafeEqual(Buffer.from(calculatedSignature, 'hex'), Buffer.from(signature, 'hex'));
    }
    const app = express();
    app.use(express.json());
    app.post('/webhooks', (req, res) => {
      const signature = req.headers['x-videocloud-signature'] as string;
      const payload = JSON.stringify(req.body);
      if (!verifyWebhookSignature(payload, signature, secret)) {
        res.status(401).send('Invalid signature');
        return;
      }
      got.push(req.body as Json);
      res.status(200).send('OK');
    });
    const server = createServer(app);
    servers.push(server);
    const base = await listen(server);
    const ep = await endpoint(recipe('videocloud', { url: `${base}/webhooks`, eventTypes: ['video.*'], secret }));
    expect(ep).toMatchObject({ retrySchedule: [60, 300, 900, 1800, 3600], retryJitter: 0, disableOnExhaustion: true });
    const data = { video_id: 'vid_123456', title: 'Новое видео', duration: 120.5, size: 10485760 };
    const eventId = await publish('video.uploaded', data);
    await succeeded(eventId, ep.id as string);
    expect(got).toEqual([{ event: 'video.uploaded', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), data }]);
  });

  it('Logto: a logto-signature-sha-256 hex HMAC over the JSON body with Logto’s payload fields', async () => {
    const signingKey = 'logto-signing-key-0123456789';
    const got: Json[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks);
        const expected = createHmac('sha256', signingKey).update(rawBody).digest('hex');
        const ok = expected === req.headers['logto-signature-sha-256'];
        if (ok) got.push(JSON.parse(rawBody.toString('utf8')) as Json);
        res.writeHead(ok ? 200 : 401).end();
      });
    });
    servers.push(server);
    const base = await listen(server);
    const ep = await endpoint(recipe('logto', { url: `${base}/logto`, secret: signingKey }));
    const user = { id: 'u_1', username: 'ada', primaryEmail: 'ada@example.com', name: 'Ada' };
    const eventId = await publish('PostRegister', { sessionId: 's_1', userAgent: 'Mozilla/5.0', user });
    await succeeded(eventId, ep.id as string);
    expect(got).toEqual([
      {
        hookId: ep.id,
        event: 'PostRegister',
        createdAt: expect.any(String),
        sessionId: 's_1',
        userAgent: 'Mozilla/5.0',
        userId: 'u_1',
        user,
      },
    ]);
  });

  it('Discord: a fake of the Discord webhook API gets {content} of at most 2,000 characters', async () => {
    const got: Json[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
        // As Discord does: content is required and at most 2,000 characters.
        const valid = req.url === '/api/webhooks/123/token' && typeof body.content === 'string' && body.content.length <= 2000;
        if (valid) got.push(body);
        res.writeHead(valid ? 204 : 400).end();
      });
    });
    servers.push(server);
    const base = await listen(server);
    const ep = await endpoint({
      url: `${base}/api/webhooks/123/token`,
      type: 'discord',
      eventTypes: ['chat.*'],
      signature: { scheme: 'none' },
    });
    const eventId = await publish('chat.long', { text: 'x'.repeat(5000) });
    await succeeded(eventId, ep.id as string);
    expect(got).toHaveLength(1);
    expect(got[0].content.length).toBeLessThanOrEqual(2000);
    expect(got[0].content).toContain('chat.long');
  });

  it('rotates a secret with a grace period: every request carries one v1 signature per live secret', async () => {
    const got: { headers: Record<string, string>; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        got.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    servers.push(server);
    const base = await listen(server);
    const ep = await endpoint({ url: `${base}/rotating`, eventTypes: ['rotation.*'] });
    const oldSecret = (await stack.request('subscriptions', 'GET', `/v1/apps/dialects/endpoints/${ep.id}/secret`)).body?.secret as string;
    const rotated = await stack.request('subscriptions', 'POST', `/v1/apps/dialects/endpoints/${ep.id}/secret/rotate`, {
      gracePeriodSeconds: 3600,
    });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body?.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const eventId = await publish('rotation.test', { n: 1 });
    await succeeded(eventId, ep.id as string);
    const [request] = got;
    expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret])
      expect(new Webhook(secret).verify(request.body, request.headers)).toMatchObject({ type: 'rotation.test' });
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(request.body, request.headers)).toThrow();

    const hmac = await endpoint({
      url: `${base}/hmac`,
      secret: 'hmac-secret-0123456789',
      signature: { scheme: 'hmac-sha256', header: 'X-Sig' },
    });
    const refused = await stack.request('subscriptions', 'POST', `/v1/apps/dialects/endpoints/${hmac.id}/secret/rotate`, {
      gracePeriodSeconds: 60,
    });
    expect(refused.status).toBe(400);
    expect(refused.body?.errors[0].field).toBe('gracePeriodSeconds');
    const atOnce = await stack.request('subscriptions', 'POST', `/v1/apps/dialects/endpoints/${hmac.id}/secret/rotate`, {
      secret: 'the-new-hmac-secret-42',
    });
    expect(atOnce.body).toEqual({ secret: 'the-new-hmac-secret-42' });
  });

  it('Slack gets {text}; a custom chat template and header templates are filled per delivery; a transform that fails fails the attempt', async () => {
    const got: { path: string; headers: Record<string, string>; body: Json }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        got.push({
          path: req.url ?? '',
          headers: req.headers as Record<string, string>,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json,
        });
        res.writeHead(200).end('ok');
      });
    });
    servers.push(server);
    const base = await listen(server);
    const slack = await endpoint({ url: `${base}/slack`, type: 'slack', eventTypes: ['chat.slack'], signature: { scheme: 'none' } });
    const custom = await endpoint({
      url: `${base}/custom`,
      type: 'discord',
      eventTypes: ['chat.slack'],
      signature: { scheme: 'none' },
      body: { envelope: 'standard', transform: '{"content": "New user: " & data.name}' },
      headers: { 'X-Delivery': '{{deliveryId}}', 'X-Attempt': '{{attempt}}', 'X-Event': '{{eventId}}/{{eventType}}' },
    });
    const broken = await endpoint({
      url: `${base}/broken`,
      eventTypes: ['chat.slack'],
      body: { envelope: 'transform', transform: '$error("no such field")' },
      retrySchedule: [3600],
    });
    const eventId = await publish('chat.slack', { name: 'Ada' });
    const slackDelivery = await succeeded(eventId, slack.id as string);
    const customDelivery = await succeeded(eventId, custom.id as string);
    expect(got.find((g) => g.path === '/slack')?.body.text).toContain('chat.slack');
    const customRequest = got.find((g) => g.path === '/custom');
    expect(customRequest?.body).toEqual({ content: 'New user: Ada' });
    expect(customRequest?.headers).toMatchObject({ 'x-delivery': customDelivery.id, 'x-attempt': '1', 'x-event': `${eventId}/chat.slack` });
    expect(slackDelivery.id).not.toBe(customDelivery.id);

    const failed = await eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/dialects/deliveries?eventId=${eventId}&endpointId=${broken.id}`);
      const delivery = list.body?.data?.[0] as Json | undefined;
      return delivery?.attemptCount === 1 ? delivery : undefined;
    });
    const detail = await stack.request('subscriptions', 'GET', `/v1/apps/dialects/deliveries/${failed.id}`);
    expect(detail.body?.attempts[0]).toMatchObject({ outcome: 'failure', error: 'transform', responseStatus: null });
    expect(detail.body?.attempts[0].responseBody).toContain('no such field');
    expect(got.find((g) => g.path === '/broken')).toBeUndefined();
  });

  it('batches: one signed JSON array of up to maxSize bodies, and a failed batch is re-sent as the same batch', async () => {
    const requests: { headers: Record<string, string>; body: string; at: number }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        res.writeHead(requests.length === 1 ? 500 : 200).end();
      });
    });
    servers.push(server);
    const base = await listen(server);
    const ep = await endpoint({
      url: `${base}/batch`,
      eventTypes: ['batched.*'],
      batch: { maxSize: 3, maxWaitMs: 500 },
      retrySchedule: [1],
    });
    expect(ep.batch).toEqual({ maxSize: 3, maxWaitMs: 500 });
    const secret = (await stack.request('subscriptions', 'GET', `/v1/apps/dialects/endpoints/${ep.id}/secret`)).body?.secret as string;
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push(await publish('batched.item', { i }));
    for (const id of ids) await succeeded(id, ep.id as string);

    expect(requests).toHaveLength(2);
    const [first, retry] = requests;
    const firstBody = new Webhook(secret).verify(first.body, first.headers) as Json[];
    expect(firstBody.map((b) => b.data.i).sort()).toEqual([0, 1, 2]);
    expect(firstBody[0]).toMatchObject({ type: 'batched.item' });
    expect(first.headers['webhook-id']).toMatch(/^bat_/);
    // The retry is the same batch: same members, same message id.
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect((JSON.parse(retry.body) as Json[]).map((b) => b.data.i).sort()).toEqual([0, 1, 2]);
    expect(retry.at - first.at).toBeGreaterThanOrEqual(700);

    for (const id of ids) {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/dialects/deliveries?eventId=${id}&endpointId=${ep.id}`);
      const detail = await stack.request('subscriptions', 'GET', `/v1/apps/dialects/deliveries/${list.body?.data[0].id}`);
      expect(detail.body?.attempts.map((a: Json) => [a.outcome, a.batchId])).toEqual([
        ['failure', first.headers['webhook-id']],
        ['success', first.headers['webhook-id']],
      ]);
    }

    // A lone event goes out after maxWaitMs, as a batch of one.
    const before = requests.length;
    const sentAt = Date.now();
    const lone = await publish('batched.lone', { i: 9 });
    await succeeded(lone, ep.id as string);
    expect(requests).toHaveLength(before + 1);
    expect(requests[before].at - sentAt).toBeGreaterThanOrEqual(450);
    expect(JSON.parse(requests[before].body)).toHaveLength(1);
  });

  it('refuses a transform that does not compile with 422 naming the error', async () => {
    const response = await stack.request('subscriptions', 'POST', '/v1/apps/dialects/endpoints', {
      url: 'https://example.com/hook',
      body: { envelope: 'transform', transform: '{"a": }' },
    });
    expect(response.status).toBe(422);
    expect(response.body?.errors[0].field).toBe('body.transform');
    const wrongSecret = await stack.request('subscriptions', 'POST', '/v1/apps/dialects/endpoints', {
      url: 'https://example.com/hook',
      secret: 'not-a-whsec-secret',
    });
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.body?.errors[0].field).toBe('secret');
  });
});
