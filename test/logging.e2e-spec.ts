import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { buildOnce, freePort, spawnApp } from './support/processes';
import { Receiver } from './support/receiver';
import { createTestEnvironment, eventually, TestEnvironment } from './support/stack';
import { FeedClient } from './support/ws-client';

jest.setTimeout(120_000);

describe('logs', () => {
  let env: TestEnvironment;
  const children: ChildProcess[] = [];
  let logs = '';
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    buildOnce();
    env = await createTestEnvironment();
    const ports: Record<string, string> = {
      SUBSCRIPTIONS_PORT: String(await freePort()),
      INGEST_PORT: String(await freePort()),
      GATEWAY_PORT: String(await freePort()),
      DISPATCHER_PORT: String(await freePort()),
    };
    const apps: [string, string][] = [
      ['subscriptions', 'SUBSCRIPTIONS_PORT'],
      ['ingest', 'INGEST_PORT'],
      ['realtime-gateway', 'GATEWAY_PORT'],
      ['dispatcher', 'DISPATCHER_PORT'],
    ];
    for (const [name, portVar] of apps) {
      children.push(spawnApp(name, env.config, { ...ports, LOG_LEVEL: 'debug' }, (text) => (logs += text)));
      urls[name] = `http://127.0.0.1:${ports[portVar]}`;
    }
    for (const url of Object.values(urls))
      await eventually(async () => (await fetch(`${url}/health/ready`).catch(() => null))?.ok, 30_000, 100);
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await env?.destroy();
  });

  it('writes JSON lines, one per delivery attempt, with no secret, token or signature in them', async () => {
    const token = env.token;
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const call = async (url: string, body?: unknown, method = 'POST') => {
      const response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'req-logging-test' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return {
        status: response.status,
        requestId: response.headers.get('x-request-id'),
        body: (await response.json()) as Record<string, any>,
      };
    };
    const receiver = await new Receiver().start();
    try {
      await call(`${urls.subscriptions}/v1/apps`, { name: 'Logged', uid: 'logged' });
      const endpoint = await call(`${urls.subscriptions}/v1/apps/logged/endpoints`, {
        url: receiver.url,
        secret,
        eventTypes: ['logged.*'],
      });
      expect(endpoint.status).toBe(201);
      expect(endpoint.requestId).toBe('req-logging-test');
      expect((await call(`${urls.subscriptions}/v1/apps/logged/endpoints/${endpoint.body.id}/secret`, undefined, 'GET')).body.secret).toBe(
        secret,
      );
      const feed = await FeedClient.connect(`${urls['realtime-gateway'].replace('http', 'ws')}/ws?token=${token}`);
      // An app token, used on the REST API and in the feed's URL, is not logged either.
      const appToken = (await call(`${urls.subscriptions}/v1/apps/logged/tokens`, {})).body.token as string;
      expect(appToken).toMatch(/^hrld_/);
      const appCall = await fetch(`${urls.subscriptions}/v1/apps/logged/endpoints`, { headers: { authorization: `Bearer ${appToken}` } });
      expect(appCall.status).toBe(200);
      const appFeed = await FeedClient.connect(`${urls['realtime-gateway'].replace('http', 'ws')}/ws?token=${appToken}`);
      appFeed.close();
      const published = await call(`${urls.ingest}/v1/apps/logged/events`, { eventType: 'logged.event', payload: { hello: 'logs' } });
      expect(published.status).toBe(202);
      await eventually(async () => receiver.requests.length === 1);
      await eventually(async () => logs.includes('"delivery attempt"'), 10_000);
      feed.close();

      const signature = String(receiver.requests[0].headers['webhook-signature']);
      const lines = logs.split('\n').filter((line) => line.trim().startsWith('{'));
      const entries = lines.map((line) => JSON.parse(line) as Record<string, any>);
      const attempt = entries.find((e) => e.msg === 'delivery attempt');
      expect(attempt).toMatchObject({
        app: 'dispatcher',
        eventId: published.body.id,
        endpointId: endpoint.body.id,
        attempt: 1,
        responseStatus: 200,
      });
      expect(entries.some((e) => e.req?.id === 'req-logging-test' && e.req?.headers?.authorization === '[redacted]')).toBe(true);

      expect(logs).not.toContain(token);
      expect(logs).not.toContain(appToken.slice('hrld_'.length));
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret.slice('whsec_'.length));
      expect(logs).not.toContain(signature.slice('v1,'.length));
    } finally {
      await receiver.stop();
    }
  });

  it('writes readable lines with LOG_FORMAT=pretty (one per request), still with no token in them', async () => {
    const port = await freePort();
    let pretty = '';
    const child = spawnApp(
      'subscriptions',
      env.config,
      { SUBSCRIPTIONS_PORT: String(port), LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' },
      (text) => (pretty += text),
    );
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${url}/health/ready`).catch(() => null))?.ok, 30_000, 100);
    const response = await fetch(`${url}/v1/apps?token=${env.token}&limit=1`, {
      headers: { authorization: `Bearer ${env.token}`, 'x-request-id': 'req-pretty-test' },
    });
    // 400 (an unknown query parameter), which is logged like any request.
    expect(response.status).toBe(400);
    const line = await eventually(async () => pretty.split('\n').find((l) => l.includes('req=req-pretty-test')));
    // time, app, level, the request itself; no JSON anywhere.
    expect(line).toMatch(/^\S*\d\d:\d\d:\d\d\S* subscriptions \S*INFO\b.* GET \/v1\/apps\?token=\[redacted\]&limit=1 400 \d+ ms/);
    expect(pretty).toContain('listening on');
    expect(pretty.split('\n').filter((l) => l.trim().startsWith('{'))).toEqual([]);
    expect(pretty).not.toContain(env.token);
  });
});
