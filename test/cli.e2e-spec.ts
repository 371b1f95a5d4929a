import { INestApplication } from '@nestjs/common';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { createGatewayApp } from '../apps/realtime-gateway/src/gateway-app';
import { HeraldProcess, runHerald } from './support/cli';
import { buildOnce, freePort } from './support/processes';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';
import { FeedClient } from './support/ws-client';

// The real `herald` binary (bin/herald.js, as `npx herald` runs it) as a child process against a
// private stack; `listen` forwards a relay endpoint's deliveries to a local receiver.
describe('the herald CLI', () => {
  let stack: TestStack;
  let gateway: INestApplication;
  let gatewayPort: number;
  const home = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  let env: NodeJS.ProcessEnv;
  const running: HeraldProcess[] = [];

  const startGateway = async () => {
    gateway = await createGatewayApp(stack.env.config);
    await gateway.listen(gatewayPort, '127.0.0.1');
  };
  const listen = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const process = new HeraldProcess(['listen', ...args], { ...env, ...extra });
    running.push(process);
    return process;
  };
  const api = (method: string, path: string, body?: unknown) => stack.request('subscriptions', method, path, body);
  const publish = (app: string, eventType: string, payload: object) =>
    stack.request('ingest', 'POST', `/v1/apps/${app}/events`, { eventType, payload });
  const deliveryOf = (app: string, eventId: string) =>
    eventually(
      async () => (await api('GET', `/v1/apps/${app}/deliveries?eventId=${eventId}`)).body?.data?.[0] as Record<string, any> | undefined,
    );
  const attemptsOf = async (app: string, deliveryId: string) => (await api('GET', `/v1/apps/${app}/deliveries/${deliveryId}`)).body!;

  beforeAll(async () => {
    // `npm run build`: the CLI runs from dist/ (the whole build, so the console's stays in place).
    buildOnce({ console: true });
    stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher']);
    gatewayPort = await freePort();
    await startGateway();
    env = {
      HOME: home,
      HERALD_URL: stack.url('subscriptions'),
      HERALD_INGEST_URL: stack.url('ingest'),
      HERALD_GATEWAY_URL: `ws://127.0.0.1:${gatewayPort}`,
      HERALD_TOKEN: stack.env.token,
    };
  }, 180_000);

  afterEach(async () => {
    for (const process of running.splice(0)) {
      process.kill('SIGKILL');
      await process.exited;
    }
  });

  afterAll(async () => {
    await gateway?.close();
    await stack?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('login checks the token and keeps it readable by its owner only; the environment overrides it', async () => {
    const loginHome = mkdtempSync(join(tmpdir(), 'herald-login-'));
    const bare = { HOME: loginHome };
    const refused = await runHerald(['login', '--url', stack.url('subscriptions'), '--token', 'wrong'], bare);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^herald: 401 /)]);

    const done = await runHerald(
      ['login', '--url', stack.url('subscriptions'), '--token', stack.env.token, '--ingest-url', stack.url('ingest')],
      bare,
    );
    expect(done.stdout).toContain('logged in');
    const path = join(loginHome, '.config/herald/config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ url: stack.url('subscriptions'), token: stack.env.token });

    const created = await runHerald(['apps', 'create', '--name', 'From login', '--json'], bare);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'From login' });
    // HERALD_TOKEN wins over the saved login.
    const overridden = await runHerald(['apps', 'list'], { ...bare, HERALD_TOKEN: 'not-the-token' });
    expect(overridden.code).toBe(1);
    expect(overridden.stderr).toMatch(/^herald: 401 /);
    rmSync(loginHome, { recursive: true, force: true });
  });

  it('manages apps, event types, endpoints, events and deliveries, as tables or --json', async () => {
    const app = JSON.parse((await runHerald(['apps', 'create', '--name', 'Shop', '--uid', 'cli-shop', '--json'], env)).stdout);
    expect(app.id).toMatch(/^app_/);
    const table = await runHerald(['apps', 'list'], env);
    expect(table.stdout).toContain('cli-shop');
    expect(table.stdout).toMatch(/┌|─/);

    expect((await runHerald(['event-types', 'create', 'order.paid', '--description', 'an order was paid'], env)).code).toBe(0);
    expect((await runHerald(['event-types', 'get', 'order.paid', '--json'], env)).stdout).toContain('an order was paid');

    const receiver = await new Receiver().start();
    const endpoint = JSON.parse(
      (await runHerald(['endpoints', 'create', '--app', 'cli-shop', '--url', receiver.url, '--types', 'order.*', '--json'], env)).stdout,
    );
    expect(endpoint).toMatchObject({ url: receiver.url, eventTypes: ['order.*'], type: 'webhook' });
    const updated = JSON.parse(
      (await runHerald(['endpoints', 'update', endpoint.id, '--app', 'cli-shop', '--data', '{"description":"mine"}', '--json'], env))
        .stdout,
    );
    expect(updated.description).toBe('mine');

    const sent = await runHerald(['send', 'order.paid', '--app', 'cli-shop', '--data', '{"total":42}', '--id', 'order-1', '--json'], env);
    expect(sent.code).toBe(0);
    const event = JSON.parse(sent.stdout);
    expect(event).toMatchObject({ eventType: 'order.paid', duplicate: false });
    const again = await runHerald(['send', 'order.paid', '--app', 'cli-shop', '--data', '{"total":42}', '--id', 'order-1'], env);
    expect(again.stdout).toContain(`duplicate of ${event.id}`);
    await eventually(() => Promise.resolve(receiver.requests.length === 1));

    // The events list is a projection of the stream: it follows shortly after the 202.
    const events = await eventually(async () => {
      const list = JSON.parse((await runHerald(['events', 'list', '--app', 'cli-shop', '--json'], env)).stdout).data;
      return list.length > 0 ? (list as { id: string }[]) : undefined;
    });
    expect(events.map((e) => e.id)).toEqual([event.id]);
    const deliveryId = (await deliveryOf(app.id, event.id)).id;
    await eventually(
      async () =>
        JSON.parse((await runHerald(['deliveries', 'get', deliveryId, '--app', 'cli-shop', '--json'], env)).stdout).status === 'succeeded',
    );
    expect((await runHerald(['deliveries', 'retry', deliveryId, '--app', 'cli-shop'], env)).stdout).toContain(`retrying ${deliveryId}`);
    await eventually(() => Promise.resolve(receiver.requests.length === 2));

    const rotated = JSON.parse(
      (await runHerald(['endpoints', 'rotate-secret', endpoint.id, '--app', 'cli-shop', '--grace-period', '0', '--json'], env)).stdout,
    );
    expect(rotated.secret).toMatch(/^whsec_/);
    const tested = JSON.parse((await runHerald(['endpoints', 'test', endpoint.id, '--app', 'cli-shop', '--json'], env)).stdout);
    expect(tested.deliveryId).toMatch(/^dlv_/);
    await eventually(() => Promise.resolve(receiver.requests.length === 3));
    expect(
      new Webhook(rotated.secret).verify(receiver.requests[2].body, receiver.requests[2].headers as Record<string, string>),
    ).toBeTruthy();

    expect((await runHerald(['endpoints', 'delete', endpoint.id, '--app', 'cli-shop'], env)).stdout).toContain(`deleted ${endpoint.id}`);
    expect((await api('GET', `/v1/apps/${app.id}/endpoints/${endpoint.id}`)).status).toBe(404);
    await receiver.stop();
  });

  it('reports a bad request as one line naming the field, with a non-zero exit code', async () => {
    const bad = await runHerald(['endpoints', 'create', '--app', 'nope', '--url', 'http://127.0.0.1:1/x'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^herald: 404 /)]);

    const app = (await api('POST', '/v1/apps', { name: 'Bad input' })).body!;
    const invalid = await runHerald(['endpoints', 'create', '--app', app.id, '--url', 'not a url'], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^herald: 4\d\d .*url/)]);

    const noPayload = await runHerald(['send', 'a.b', '--app', app.id], env);
    expect(noPayload.code).toBe(1);
    expect(noPayload.stderr).toBe('herald: give the payload with --data or --data-file (one of them)\n');
    const notJson = await runHerald(['send', 'a.b', '--app', app.id, '--data', '{oops'], env);
    expect(notJson.stderr).toMatch(/^herald: --data is not valid JSON/);
    const unreachable = await runHerald(['apps', 'list'], { ...env, HERALD_URL: `http://127.0.0.1:${await freePort()}` });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^herald: cannot reach Herald at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n$/);
  });

  it('listen forwards a delivery to a local server, signed as configured, records its answer, and removes its endpoint on Ctrl-C', async () => {
    const app = (await api('POST', '/v1/apps', { name: 'Relay' })).body!;
    const local = await new Receiver().start();
    local.respond = () => ({ status: 201 });
    const listener = listen(['--app', app.id, '--forward-to', local.url, '--types', 'user.*']);
    const [, endpointId, secret] = await listener.waitFor(/endpoint (ep_\S+) \(temporary.*signing secret (whsec_\S+)/);
    const endpoint = (await api('GET', `/v1/apps/${app.id}/endpoints/${endpointId}`)).body!;
    expect(endpoint).toMatchObject({ type: 'relay', eventTypes: ['user.*'] });

    const event = (await publish(app.id, 'user.created', { name: 'Ada' })).body!;
    await listener.waitFor(new RegExp(`user\\.created\\s+${event.id}\\s+.*201.*\\d+ ms`));
    expect(local.requests).toHaveLength(1);
    const received = local.requests[0];
    expect(received.path).toBe('/hook');
    expect(JSON.parse(received.body)).toEqual({ type: 'user.created', timestamp: event.occurredAt, data: { name: 'Ada' } });
    expect(received.headers['webhook-id']).toBe(event.id);
    expect(new Webhook(secret).verify(received.body, received.headers as Record<string, string>)).toBeTruthy();

    const delivery = await deliveryOf(app.id, event.id);
    const detail = await eventually(async () => {
      const found = await attemptsOf(app.id, delivery.id);
      return found.status === 'succeeded' ? found : undefined;
    });
    expect(detail.attempts).toEqual([
      expect.objectContaining({ outcome: 'success', responseStatus: 201, responseBody: 'received 1', error: null }),
    ]);

    // `herald verify` accepts the request Herald sent, and refuses it under another secret.
    const scratch = mkdtempSync(join(tmpdir(), 'herald-verify-'));
    writeFileSync(join(scratch, 'headers.json'), JSON.stringify(received.headers));
    writeFileSync(join(scratch, 'body'), received.body);
    const valid = await runHerald(
      ['verify', '--secret', secret, '--headers', join(scratch, 'headers.json'), '--body', join(scratch, 'body')],
      env,
    );
    expect(valid).toMatchObject({ code: 0, stdout: 'valid: standard in webhook-signature\n' });
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const invalid = await runHerald(
      ['verify', '--secret', other, '--headers', JSON.stringify(received.headers), '--body', join(scratch, 'body')],
      env,
    );
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toBe('herald: invalid: no scheme verifies (standard: no webhook-signature matches)\n');
    rmSync(scratch, { recursive: true, force: true });

    listener.kill('SIGINT');
    expect(await listener.exited).toBe(0);
    expect(listener.stderr).toContain(`removed the temporary endpoint ${endpointId}`);
    expect((await api('GET', `/v1/apps/${app.id}/endpoints/${endpointId}`)).status).toBe(404);
    await local.stop();
  });

  it('a failing local server fails the attempt, and a retry succeeds once it is up', async () => {
    const app = (await api('POST', '/v1/apps', { name: 'Down' })).body!;
    const endpoint = (
      await api('POST', `/v1/apps/${app.id}/endpoints`, {
        url: 'http://localhost:3000/hook',
        type: 'relay',
        retrySchedule: [1, 1, 1, 1, 1, 1],
        retryJitter: 0,
      })
    ).body!;
    const port = await freePort();
    const listener = listen(['--app', app.id, '--forward-to', `http://127.0.0.1:${port}/hook`, '--endpoint', endpoint.id]);
    await listener.waitFor(/Ready: forwarding/);

    const event = (await publish(app.id, 'user.created', { n: 1 })).body!;
    await listener.waitFor(new RegExp(`${event.id}\\s+.*connection_refused`));
    const delivery = await deliveryOf(app.id, event.id);
    const failed = await eventually(async () => {
      const found = await attemptsOf(app.id, delivery.id);
      return found.attempts.length >= 1 ? found : undefined;
    });
    expect(failed.attempts[0]).toMatchObject({ outcome: 'failure', responseStatus: null, error: 'connection_refused' });
    expect(failed.status).toBe('pending');

    // The local server comes up on the port the CLI forwards to.
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const done = await eventually(async () => {
      const found = await attemptsOf(app.id, delivery.id);
      return found.status === 'succeeded' ? found : undefined;
    }, 30_000);
    expect(done.attempts.at(-1)).toMatchObject({ outcome: 'success', responseStatus: 204 });
    expect(done.attempts.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(bodies[0]).data).toEqual({ n: 1 });
    await new Promise((resolve) => server.close(resolve));
  });

  it('a killed CLI leaves the delivery pending (relay_offline), and it arrives once a listener is back', async () => {
    const app = (await api('POST', '/v1/apps', { name: 'Killed' })).body!;
    const endpoint = (
      await api('POST', `/v1/apps/${app.id}/endpoints`, {
        url: 'http://localhost:3000/hook',
        type: 'relay',
        retrySchedule: [1, 1, 1, 1, 1, 1],
        retryJitter: 0,
      })
    ).body!;
    const local = await new Receiver().start();
    const first = listen(['--app', app.id, '--forward-to', local.url, '--endpoint', endpoint.id]);
    await first.waitFor(/Ready: forwarding/);
    first.kill('SIGKILL');
    await first.exited;

    const event = (await publish(app.id, 'user.created', { n: 2 })).body!;
    const delivery = await deliveryOf(app.id, event.id);
    const offline = await eventually(async () => {
      const found = await attemptsOf(app.id, delivery.id);
      return found.attempts.length >= 1 ? found : undefined;
    });
    expect(offline.attempts[0]).toMatchObject({ outcome: 'failure', error: 'relay_offline' });
    expect(offline.status).toBe('pending');
    // The endpoint named with --endpoint is not removed by the CLI.
    expect((await api('GET', `/v1/apps/${app.id}/endpoints/${endpoint.id}`)).status).toBe(200);

    const second = listen(['--app', app.id, '--forward-to', local.url, '--endpoint', endpoint.id]);
    await second.waitFor(new RegExp(`${event.id}\\s+.*200`), 30_000);
    const done = await eventually(async () => {
      const found = await attemptsOf(app.id, delivery.id);
      return found.status === 'succeeded' ? found : undefined;
    });
    expect(done.attempts.at(-1)).toMatchObject({ outcome: 'success', responseStatus: 200 });
    expect(JSON.parse(local.requests[0].body).data).toEqual({ n: 2 });
    await local.stop();
  });

  it('listen reconnects when the gateway goes away and comes back', async () => {
    const app = (await api('POST', '/v1/apps', { name: 'Reconnect' })).body!;
    const local = await new Receiver().start();
    const listener = listen(['--app', app.id, '--forward-to', local.url]);
    await listener.waitFor(/Ready: forwarding/);
    await gateway.close();
    await listener.waitFor(/gateway connection lost; reconnecting/);
    await startGateway();
    await listener.waitFor(/reconnected/, 30_000);
    const event = (await publish(app.id, 'user.created', { n: 3 })).body!;
    await listener.waitFor(new RegExp(`${event.id}\\s+.*200`));
    expect(JSON.parse(local.requests[0].body).data).toEqual({ n: 3 });
    await local.stop();
  });

  it('relays a batching endpoint: one request with the batch body', async () => {
    const app = (await api('POST', '/v1/apps', { name: 'Batch' })).body!;
    const endpoint = (
      await api('POST', `/v1/apps/${app.id}/endpoints`, {
        url: 'http://localhost:3000/hook',
        type: 'relay',
        batch: { maxSize: 2, maxWaitMs: 60000 },
      })
    ).body!;
    const local = await new Receiver().start();
    const listener = listen(['--app', app.id, '--forward-to', local.url, '--endpoint', endpoint.id]);
    await listener.waitFor(/Ready: forwarding/);
    await publish(app.id, 'user.created', { n: 1 });
    await publish(app.id, 'user.created', { n: 2 });
    await listener.waitFor(/\(\+1 in batch\)\s+.*200/);
    expect(local.requests).toHaveLength(1);
    const body = JSON.parse(local.requests[0].body);
    expect(body.map((item: { data: { n: number } }) => item.data.n).sort()).toEqual([1, 2]);
    await local.stop();
  });

  it('an app token relays only its own app', async () => {
    const mine = (await api('POST', '/v1/apps', { name: 'Mine' })).body!;
    const theirs = (await api('POST', '/v1/apps', { name: 'Theirs' })).body!;
    const token = (await api('POST', `/v1/apps/${mine.id}/tokens`, {})).body!.token as string;
    const theirEndpoint = (await api('POST', `/v1/apps/${theirs.id}/endpoints`, { url: 'http://localhost:3000/hook', type: 'relay' }))
      .body!;
    const local = await new Receiver().start();

    const otherApp = await runHerald(['listen', '--app', theirs.id, '--forward-to', local.url], { ...env, HERALD_TOKEN: token });
    expect(otherApp.code).toBe(1);
    expect(otherApp.stderr).toMatch(/^herald: 404 /);
    const otherEndpoint = await runHerald(['listen', '--app', mine.id, '--forward-to', local.url, '--endpoint', theirEndpoint.id], {
      ...env,
      HERALD_TOKEN: token,
    });
    expect(otherEndpoint.code).toBe(1);
    expect(otherEndpoint.stderr).toMatch(/^herald: 404 /);
    expect((await api('GET', `/v1/apps/${theirs.id}/endpoints`)).body!.data).toHaveLength(1);

    // Straight at the gateway, the same token is refused the other app's endpoint.
    const socket = await FeedClient.connect(`ws://127.0.0.1:${gatewayPort}/ws?token=${token}`);
    socket.send({ type: 'relay', appId: theirs.id, endpointId: theirEndpoint.id });
    socket.send({ type: 'relay', appId: mine.id, endpointId: theirEndpoint.id });
    await eventually(() => Promise.resolve(socket.messages.filter((m) => m.type === 'error').length === 2));
    expect(socket.messages.filter((m) => m.type === 'error').map((m) => m.message)).toEqual(['app not found', 'endpoint not found']);
    socket.close();

    // A read-only (portal) token may watch its app, not take its deliveries.
    const ownEndpoint = (await api('POST', `/v1/apps/${mine.id}/endpoints`, { url: 'http://localhost:3000/hook', type: 'relay' })).body!;
    const portal = (await api('POST', `/v1/apps/${mine.id}/portal-sessions`, { readOnly: true })).body!;
    const watcher = await FeedClient.connect(`ws://127.0.0.1:${gatewayPort}/ws?token=${portal.token}`);
    watcher.send({ type: 'relay', appId: mine.id, endpointId: ownEndpoint.id });
    const refusal = await eventually(() => Promise.resolve(watcher.find((m) => m.type === 'error')));
    expect(refusal.message).toBe('a read-only token cannot relay deliveries');
    watcher.close();

    // Its own app works.
    const listener = listen(['--app', mine.id, '--forward-to', local.url], { HERALD_TOKEN: token });
    await listener.waitFor(/Ready: forwarding/);
    const event = (await publish(mine.id, 'user.created', { n: 4 })).body!;
    await listener.waitFor(new RegExp(`${event.id}\\s+.*200`));
    await local.stop();
  });

  it('tail prints one line a message of the live feed', async () => {
    const app = (await api('POST', '/v1/apps', { name: 'Tail' })).body!;
    const tail = new HeraldProcess(['tail', '--app', app.id, '--types', 'user.*'], env);
    running.push(tail);
    await tail.waitFor(/tailing/);
    const ignored = (await publish(app.id, 'order.paid', { n: 0 })).body!;
    const event = (await publish(app.id, 'user.created', { n: 5 })).body!;
    const [line] = await tail.waitFor(new RegExp(`^.*user\\.created\\s+${event.id}.*$`, 'm'));
    expect(line).toMatch(/^\d\d:\d\d:\d\d\s+/);
    expect(line).toContain('{"n":5}');
    expect(tail.stdout).not.toContain(ignored.id);
  });

  it('every command has --help', async () => {
    for (const command of [
      [],
      ['listen'],
      ['send'],
      ['tail'],
      ['verify'],
      ['login'],
      ['endpoints', 'rotate-secret'],
      ['deliveries', 'retry'],
    ]) {
      const help = await runHerald([...command, '--help'], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: herald/);
    }
  });
});
