import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

// The API the console and the embeddable portal stand on: portal sessions (read-only enforced by
// the server), the request preview, the request body of each attempt, time-bucketed stats, and
// the static serving of /console.
describe('console and portal API', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let failing: Receiver;
  let appA: string;
  let appB: string;
  const files = mkdtempSync(join(tmpdir(), 'herald-console-files-'));
  const INDEX = '<!doctype html><html><head><meta name="herald-gateway" content="" /></head><body><div id="root"></div></body></html>';
  const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

  const post = (path: string, body: unknown, token?: string) =>
    stack.request('subscriptions', 'POST', path, body, token ? { authorization: `Bearer ${token}` } : {});
  const get = (path: string, token?: string) =>
    stack.request('subscriptions', 'GET', path, undefined, token ? { authorization: `Bearer ${token}` } : {});

  async function delivered(appId: string, eventId: string) {
    return eventually(async () => {
      const list = await get(`/v1/apps/${appId}/deliveries?eventId=${eventId}`);
      const settled = list.body!.data.find((d: { status: string; attemptCount: number }) => d.attemptCount > 0);
      return settled ? (await get(`/v1/apps/${appId}/deliveries/${settled.id}`)).body : null;
    });
  }

  async function publish(appId: string, eventType: string, payload: object): Promise<string> {
    const response = await stack.request('ingest', 'POST', `/v1/apps/${appId}/events`, { eventType, payload });
    expect(response.status).toBe(202);
    return response.body!.id as string;
  }

  beforeAll(async () => {
    // A stand-in for the built console: the serving, not the page, is what this file tests.
    mkdirSync(join(files, 'assets'));
    writeFileSync(join(files, 'index.html'), INDEX);
    writeFileSync(join(files, 'assets', 'app-1234.js'), SCRIPT);
    writeFileSync(join(files, 'assets', 'app-1234.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(files, 'assets', 'app-1234.js.gz'), gzipSync(SCRIPT));
    process.env.HERALD_CONSOLE_DIR = files;
    receiver = await new Receiver().start();
    failing = await new Receiver().start();
    failing.status = 500;
    stack = await TestStack.start(undefined, {
      HERALD_MAX_PAYLOAD_BYTES: '262144',
      HERALD_PORTAL_FRAME_ANCESTORS: "'self' https://shop.example",
      HERALD_GATEWAY_PUBLIC_URL: 'wss://feed.example/ws',
    });
    appA = (await post('/v1/apps', { name: 'A' })).body!.id;
    appB = (await post('/v1/apps', { name: 'B' })).body!.id;
  });

  afterAll(async () => {
    await stack?.close();
    await receiver?.stop();
    await failing?.stop();
    delete process.env.HERALD_CONSOLE_DIR;
    rmSync(files, { recursive: true, force: true });
  });

  describe('portal sessions', () => {
    it('gives a short-lived app token and the portal link on the request’s host (admin only), hidden from the token list', async () => {
      const before = Date.now();
      const created = await post(`/v1/apps/${appA}/portal-sessions`, {});
      expect(created.status).toBe(201);
      const { url, token, expiresAt, readOnly } = created.body!;
      expect(token).toMatch(/^hrld_/);
      expect(url).toBe(`${stack.url('subscriptions')}/console/portal#token=${token}`);
      expect(readOnly).toBe(false);
      expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
      expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.now() + 3600_000);
      expect(await get('/v1/session', token)).toMatchObject({
        status: 200,
        body: { kind: 'app', appId: appA, readOnly: false, portal: true },
      });
      expect((await get(`/v1/apps/${appA}/tokens`)).body!.data).toEqual([]);
      // Another app's anything is not found; admin routes are refused.
      expect((await get(`/v1/apps/${appB}/endpoints`, token)).status).toBe(404);
      expect((await post(`/v1/apps/${appA}/portal-sessions`, {}, token)).status).toBe(403);
    });

    it('uses HERALD_PUBLIC_URL for the link when set', async () => {
      stack.env.config.console.publicUrl = 'https://herald.example';
      try {
        const created = await post(`/v1/apps/${appA}/portal-sessions`, { expiresInSeconds: 86_400 });
        expect(created.body!.url).toBe(`https://herald.example/console/portal#token=${created.body!.token}`);
      } finally {
        stack.env.config.console.publicUrl = null;
      }
    });

    it.each([
      [{ expiresInSeconds: 86_401 }, 'expiresInSeconds'],
      [{ expiresInSeconds: 10 }, 'expiresInSeconds'],
      [{ expiresInSeconds: 'soon' }, 'expiresInSeconds'],
      [{ readOnly: 'yes' }, 'readOnly'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const response = await post(`/v1/apps/${appA}/portal-sessions`, body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect([...new Set(response.body!.errors.map((e: { field: string }) => e.field))]).toEqual([field]);
    });

    it('a read-only session reads everything of its app, previews, follows the feed, and every write is 403', async () => {
      const endpoint = (await post(`/v1/apps/${appA}/endpoints`, { url: receiver.url, eventTypes: ['ro.*'] })).body!;
      const { token } = (await post(`/v1/apps/${appA}/portal-sessions`, { readOnly: true })).body!;
      const as = { authorization: `Bearer ${token}` };
      expect((await get(`/v1/apps/${appA}/endpoints/${endpoint.id}`, token)).status).toBe(200);
      expect((await get(`/v1/apps/${appA}/endpoints/${endpoint.id}/secret`, token)).status).toBe(200);
      expect((await post(`/v1/apps/${appA}/endpoints/preview`, { endpointId: endpoint.id }, token)).status).toBe(200);
      const writes: [string, string, unknown][] = [
        ['POST', `/v1/apps/${appA}/endpoints`, { url: receiver.url }],
        ['PATCH', `/v1/apps/${appA}/endpoints/${endpoint.id}`, { description: 'x' }],
        ['DELETE', `/v1/apps/${appA}/endpoints/${endpoint.id}`, undefined],
        ['POST', `/v1/apps/${appA}/endpoints/${endpoint.id}/secret/rotate`, {}],
        ['POST', `/v1/apps/${appA}/endpoints/${endpoint.id}/test`, {}],
        ['POST', `/v1/apps/${appA}/endpoints/${endpoint.id}/replay`, { since: new Date(0).toISOString(), dryRun: true }],
      ];
      for (const [method, path, body] of writes) {
        const response = await stack.request('subscriptions', method, path, body, as);
        expect([method, path, response.status, response.body?.detail]).toEqual([method, path, 403, 'this session is read-only']);
      }
      const publish = await stack.request('ingest', 'POST', `/v1/apps/${appA}/events`, { eventType: 'ro.x', payload: {} }, as);
      expect(publish.status).toBe(403);
      // Nothing changed.
      expect((await get(`/v1/apps/${appA}/endpoints/${endpoint.id}`)).body).toMatchObject({ description: '' });
      // The gateway takes it like an app token, from the console's subprotocol, and answers with `herald`, not the token.
      const socket = new WebSocket(`${stack.url('realtime-gateway').replace('http', 'ws')}/ws`, ['herald', `bearer.${token}`]);
      const first = await new Promise<{ type: string }>((resolve, reject) => {
        socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { type: string }));
        socket.once('error', reject);
      });
      expect([first.type, socket.protocol]).toEqual(['connection', 'herald']);
      socket.close();
    });
  });

  describe('request preview', () => {
    it('is the request the dispatcher sends: same body bytes, same headers, signed over exactly that body', async () => {
      const settings = {
        url: receiver.url,
        eventTypes: ['preview.*'],
        headers: { 'X-Kind': '{{eventType}}' },
        signature: { scheme: 'hmac-sha256', header: 'X-Sig', prefix: 'sha256=' },
        body: { envelope: 'transform', transform: '{"kind": type, "n": data.n, "z": data.z}', serialization: 'python-sorted' },
      };
      const endpoint = (await post(`/v1/apps/${appA}/endpoints`, settings)).body!;
      const secret = (await get(`/v1/apps/${appA}/endpoints/${endpoint.id}/secret`)).body!.secret as string;
      const payload = { n: 1, z: 'é' };
      const preview = await post(`/v1/apps/${appA}/endpoints/preview`, { endpointId: endpoint.id, eventType: 'preview.done', payload });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ method: 'POST', url: receiver.url, sampleSecret: false });
      expect(preview.body!.body).toBe('{"kind": "preview.done", "n": 1, "z": "\\u00e9"}');
      expect(preview.body!.bodyBytes).toBe(Buffer.byteLength(preview.body!.body));
      expect(preview.body!.headers['X-Sig']).toBe(`sha256=${createHmac('sha256', secret).update(preview.body!.body).digest('hex')}`);

      const eventId = await publish(appA, 'preview.done', payload);
      await delivered(appA, eventId);
      const sent = receiver.requests.find((request) => request.headers['x-kind'] === 'preview.done')!;
      expect(sent.body).toBe(preview.body!.body);
      const names = (headers: object) => Object.keys(headers).map((name) => name.toLowerCase());
      const transport = ['host', 'connection', 'content-length', 'traceparent', 'tracestate'];
      expect(names(preview.body!.headers).sort()).toEqual(
        names(sent.headers)
          .filter((name) => !transport.includes(name))
          .sort(),
      );
    });

    it('previews unsaved settings over the defaults, and names the field of bad settings', async () => {
      const fresh = await post(`/v1/apps/${appA}/endpoints/preview`, { body: { envelope: 'data' } });
      expect(fresh.status).toBe(200);
      expect(fresh.body).toMatchObject({ sampleSecret: true, body: '{"message":"This is a test event from Herald"}' });
      expect(fresh.body!.headers['webhook-signature']).toMatch(/^v1,/);
      const noHeader = await post(`/v1/apps/${appA}/endpoints/preview`, { signature: { scheme: 'hmac-sha256' } });
      expect([noHeader.status, noHeader.body!.errors[0].field]).toEqual([400, 'signature']);
      const badTransform = await post(`/v1/apps/${appA}/endpoints/preview`, { body: { envelope: 'transform', transform: '{"a": $x(' } });
      expect(badTransform.status).toBeGreaterThanOrEqual(400);
      expect(badTransform.status).toBeLessThan(500);
      expect(badTransform.body!.errors[0].field).toBe('body.transform');
      expect((await post(`/v1/apps/${appB}/endpoints/preview`, { endpointId: 'ep_00000000000000000000000000' })).status).toBe(404);
    });

    it('uses the event type’s example (checked against its schema) when no payload is given', async () => {
      const schema = { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } };
      const refused = await post('/v1/event-types', { name: 'stock.low', schema, example: { sku: 7 } });
      expect([refused.status, refused.body!.errors[0].field]).toEqual([422, 'example/sku']);
      expect((await post('/v1/event-types', { name: 'stock.low', schema, example: { sku: 'A-1' } })).status).toBe(201);
      const preview = await post(`/v1/apps/${appA}/endpoints/preview`, { eventType: 'stock.low', body: { envelope: 'data' } });
      expect(preview.body!.body).toBe('{"sku":"A-1"}');
      expect((await stack.request('subscriptions', 'PATCH', '/v1/event-types/stock.low', { example: { sku: null } })).status).toBe(422);
    });
  });

  describe('the request body of each attempt', () => {
    it('is stored as sent, its first 64 KiB', async () => {
      await post(`/v1/apps/${appA}/endpoints`, { url: receiver.url, eventTypes: ['body.*'] });
      const small = await delivered(appA, await publish(appA, 'body.small', { a: 1 }));
      const sentSmall = receiver.requests.find((request) => request.body.includes('"body.small"'))!;
      expect(small.attempts[0].requestBody).toBe(sentSmall.body);
      // Lists carry each delivery's latest attempt.
      const listed = await get(`/v1/apps/${appA}/deliveries?eventId=${small.eventId}`);
      expect(listed.body!.data[0].lastAttempt).toEqual({
        at: small.attempts[0].startedAt,
        responseStatus: 200,
        error: null,
        durationMs: small.attempts[0].durationMs,
      });
      const big = await delivered(appA, await publish(appA, 'body.big', { text: 'y'.repeat(100_000) }));
      const sentBig = receiver.requests.find((request) => request.body.includes('"body.big"'))!;
      expect(sentBig.body.length).toBeGreaterThan(100_000);
      expect(big.attempts[0].requestBody).toBe(sentBig.body.slice(0, 65_536));
    });
  });

  describe('stats and health', () => {
    it('counts attempts per bucket by outcome, for the app and per endpoint; the endpoint list shows health', async () => {
      const good = (await post(`/v1/apps/${appB}/endpoints`, { url: receiver.url, eventTypes: ['chart.*'] })).body!;
      const bad = (await post(`/v1/apps/${appB}/endpoints`, { url: failing.url, eventTypes: ['chart.*'], retrySchedule: [3600] })).body!;
      for (let i = 0; i < 5; i += 1) {
        const eventId = await publish(appB, 'chart.tick', { i });
        await eventually(async () => {
          const list = await get(`/v1/apps/${appB}/deliveries?eventId=${eventId}`);
          return list.body!.data.filter((d: { attemptCount: number }) => d.attemptCount > 0).length === 2;
        });
      }
      const series = await get(`/v1/apps/${appB}/stats/timeseries?bucket=60`);
      expect(series.status).toBe(200);
      expect(series.body!.bucketSeconds).toBe(60);
      expect(series.body!.data.length).toBeGreaterThanOrEqual(60);
      const sum = (data: { succeeded: number; failed: number }[]) =>
        data.reduce((total, b) => ({ succeeded: total.succeeded + b.succeeded, failed: total.failed + b.failed }), {
          succeeded: 0,
          failed: 0,
        });
      expect(sum(series.body!.data)).toEqual({ succeeded: 5, failed: 5 });
      const one = await get(`/v1/apps/${appB}/stats/timeseries?bucket=300&endpointId=${bad.id}`);
      expect(sum(one.body!.data)).toEqual({ succeeded: 0, failed: 5 });
      expect(
        (await get(`/v1/apps/${appA}/stats/timeseries?endpointId=${bad.id}`)).body!.data.every((b: { failed: number }) => b.failed === 0),
      ).toBe(true);

      const endpoints = (await get(`/v1/apps/${appB}/endpoints`)).body!.data;
      const health = Object.fromEntries(
        endpoints.map((e: { id: string; health: object; lastDelivery: object }) => [e.id, [e.health, e.lastDelivery]]),
      );
      expect(health[good.id]).toEqual([
        { successRate24h: 1, circuit: 'closed' },
        expect.objectContaining({ status: 'succeeded', responseStatus: 200 }),
      ]);
      expect(health[bad.id]).toEqual([
        { successRate24h: 0, circuit: 'open' },
        // The last delivery's own status: failed once, it is pending its retry.
        expect.objectContaining({ status: 'pending', responseStatus: 500 }),
      ]);

      // A dry run counts what a replay would resend; the replay then resends that many.
      const window = { since: new Date(Date.now() - 3600_000).toISOString(), until: new Date(Date.now() + 60_000).toISOString() };
      const dry = await post(`/v1/apps/${appB}/endpoints/${bad.id}/replay`, { ...window, dryRun: true });
      expect([dry.status, dry.body]).toEqual([202, { count: 0, dryRun: true }]); // retries pending, none failed yet
      const all = await post(`/v1/apps/${appB}/endpoints/${bad.id}/replay`, { ...window, status: 'all', dryRun: true });
      expect(all.body).toEqual({ count: 5, dryRun: true });
    });

    it.each([
      ['bucket=7', 'bucket'],
      ['since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'until'],
      ['since=2020-01-01T00:00:00Z&bucket=60', 'bucket'],
      ['since=yesterday', 'since'],
    ])('refuses %s with 400 naming %s', async (query, field) => {
      const response = await get(`/v1/apps/${appA}/stats/timeseries?${query}`);
      expect([response.status, response.body!.errors[0].field]).toEqual([400, field]);
    });
  });

  describe('/console', () => {
    const consoleUrl = (path: string) => `${stack.url('subscriptions')}/console${path}`;

    it('serves the page for every route, with the feed URL, no-cache and the frame-ancestors policy', async () => {
      for (const path of ['', '/', '/index.html', '/portal', '/apps/app_x/deliveries/dlv_y']) {
        const response = await fetch(consoleUrl(path), { headers: { 'accept-encoding': 'identity' } });
        expect([path, response.status]).toEqual([path, 200]);
        expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(response.headers.get('cache-control')).toBe('no-cache');
        expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://shop.example");
        expect(response.headers.get('content-security-policy')).toContain("connect-src 'self' wss://feed.example");
        expect(await response.text()).toContain('<meta name="herald-gateway" content="wss://feed.example/ws" />');
      }
    });

    it('serves hashed assets for a year, pre-compressed as the browser accepts, with ETags; a missing one is 404', async () => {
      const asset = consoleUrl('/assets/app-1234.js');
      const plain = await import('node:http').then(
        (http) => new Promise<string | undefined>((resolve) => http.get(asset, (res) => resolve(res.headers['content-encoding']))),
      );
      expect(plain).toBeUndefined(); // no Accept-Encoding: the file as is
      const br = await fetch(asset, { headers: { 'accept-encoding': 'br' } });
      expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(br.headers.get('content-encoding')).toBe('br');
      expect(await br.text()).toBe(SCRIPT); // fetch decodes brotli: the stored .br is the script
      const raw = await import('node:http').then(
        (http) =>
          new Promise<{ encoding?: string; body: Buffer; etag?: string }>((resolve) =>
            http.get(asset, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () =>
                resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks), etag: res.headers.etag }),
              );
            }),
          ),
      );
      expect(raw.encoding).toBe('gzip');
      expect(gunzipSync(raw.body).toString()).toBe(SCRIPT);
      const again = await fetch(asset, { headers: { 'if-none-match': raw.etag! } });
      expect(again.status).toBe(304);
      expect((await fetch(consoleUrl('/assets/missing.js'))).status).toBe(404);
    });
  });
});
