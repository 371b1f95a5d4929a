import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { SecretBox } from '@herald/config';
import { Names } from '@herald/contracts';
import { createDataSource } from '@herald/persistence';
import { execFileSync } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { randomBytes } from 'node:crypto';
import { buildOnce, spawnApp } from './support/processes';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

/** Every message of every stream of the environment's namespace, as text. */
async function streamContents(natsUrl: string, names: Names): Promise<string> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const texts: string[] = [];
    for (const stream of Object.values(names.streams)) {
      const { state } = await jsm.streams.info(stream);
      if (state.messages === 0) continue;
      const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
      const messages = await consumer.fetch({ max_messages: state.messages, expires: 5000 });
      for await (const msg of messages) {
        texts.push(`${msg.subject} ${msg.string()}`);
        if (msg.info.pending === 0) break;
      }
    }
    return texts.join('\n');
  } finally {
    await nc.close();
  }
}

/** API.md: secrets are encrypted at rest with AES-256-GCM under HERALD_ENCRYPTION_KEY. */
describe('secrets at rest', () => {
  let stack: TestStack;
  let receiver: Receiver;
  const standardSecret = `whsec_${Buffer.from('known-secret-bytes-for-the-at-rest-test').toString('base64')}`;
  const rotatedSecret = `whsec_${Buffer.from('rotated-secret-bytes-for-the-at-rest-test').toString('base64')}`;
  const hmacSecret = 'known-hmac-secret-0123456789';

  beforeAll(async () => {
    receiver = await new Receiver().start();
    stack = await TestStack.start();
  });

  afterAll(async () => {
    await stack?.close();
    await receiver?.stop();
  });

  it('finds no secret, token or kept secret response in a pg_dump or on the streams, and still signs with them', async () => {
    const app = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Vault' })).body?.id as string;
    const standard = await stack.request('subscriptions', 'POST', `/v1/apps/${app}/endpoints`, {
      url: receiver.url,
      secret: standardSecret,
    });
    await stack.request('subscriptions', 'POST', `/v1/apps/${app}/endpoints`, {
      url: `${receiver.url}?hmac`,
      secret: hmacSecret,
      signature: { scheme: 'hmac-sha256', header: 'x-signature' },
    });
    // Kept responses of Idempotency-Key requests hold a secret and a token.
    const rotated = await stack.request(
      'subscriptions',
      'POST',
      `/v1/apps/${app}/endpoints/${standard.body?.id as string}/secret/rotate`,
      { secret: rotatedSecret, gracePeriodSeconds: 3600 },
      { 'idempotency-key': 'rotate-1' },
    );
    expect(rotated.body?.secret).toBe(rotatedSecret);
    const token = (await stack.request('subscriptions', 'POST', `/v1/apps/${app}/tokens`, {}, { 'idempotency-key': 'token-1' })).body
      ?.token as string;
    expect(token).toMatch(/^hrld_/);
    // A repeat gets the kept response back, opened.
    expect((await stack.request('subscriptions', 'POST', `/v1/apps/${app}/tokens`, {}, { 'idempotency-key': 'token-1' })).body?.token).toBe(
      token,
    );

    const event = await stack.request('ingest', 'POST', `/v1/apps/${app}/events`, { eventType: 'vault.opened', payload: { n: 1 } });
    await eventually(async () => receiver.requests.length >= 2);
    // The dispatcher opened the sealed secrets it received: the new and the old secret both sign.
    const request = receiver.requests.find((r) => !r.path.includes('hmac'));
    for (const secret of [rotatedSecret, standardSecret]) {
      expect(() => new Webhook(secret).verify(request?.body ?? '', request?.headers as Record<string, string>)).not.toThrow();
    }
    expect(receiver.requests.find((r) => r.path.includes('hmac'))?.headers['x-signature']).toBeDefined();
    expect(
      (await stack.request('subscriptions', 'GET', `/v1/apps/${app}/endpoints/${standard.body?.id as string}/secret`)).body?.secret,
    ).toBe(rotatedSecret);

    const needles = [standardSecret, standardSecret.slice(6), rotatedSecret, rotatedSecret.slice(6), hmacSecret, token, token.slice(5)];
    const dump = execFileSync('pg_dump', ['--data-only', stack.env.config.databaseUrl], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain(receiver.url); // a real dump of this environment
    expect(dump).toContain(event.body?.id as string);
    expect(dump).toContain('hv1:'); // sealed values are there
    const streams = await streamContents(stack.env.config.natsUrl, new Names(stack.env.config.natsNamespace));
    expect(streams).toContain('endpoint.upserted');
    expect(streams).toContain('vault.opened');
    for (const needle of needles) {
      expect([needle, dump.includes(needle)]).toEqual([needle, false]);
      expect([needle, streams.includes(needle)]).toEqual([needle, false]);
    }
  });

  it("keeps an extra header's credential out of the attempt record, and the rest of the headers in it", async () => {
    const app = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Credentials' })).body?.id as string;
    await stack.request('subscriptions', 'POST', `/v1/apps/${app}/endpoints`, {
      url: `${receiver.url}?credentials`,
      headers: { authorization: 'Bearer receiver-credential-123', 'x-api-key': 'k-123', 'x-team': 'payments' },
    });
    const event = await stack.request('ingest', 'POST', `/v1/apps/${app}/events`, { eventType: 'credentials.sent', payload: {} });
    const request = await eventually(async () => receiver.requests.find((r) => r.path.includes('credentials')));
    expect(request.headers.authorization).toBe('Bearer receiver-credential-123'); // the receiver gets them
    const recorded = await eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/${app}/deliveries?eventId=${event.body?.id as string}`);
      const id = list.body?.data?.[0]?.status === 'succeeded' && (list.body.data[0].id as string);
      return id && (await stack.request('subscriptions', 'GET', `/v1/apps/${app}/deliveries/${id}`)).body?.attempts[0].requestHeaders;
    });
    expect(recorded).toMatchObject({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      'x-team': 'payments',
      'webhook-signature': '[redacted]',
    });
  });

  it('seals, at the next start, secrets stored in plain text before encryption at rest', async () => {
    const app = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Legacy' })).body?.id as string;
    const endpoint = (await stack.request('subscriptions', 'POST', `/v1/apps/${app}/endpoints`, { url: receiver.url })).body?.id as string;
    const legacy = `whsec_${Buffer.from('legacy-plaintext-secret-from-before').toString('base64')}`;
    const db = await createDataSource(stack.env.config.databaseUrl, 1).initialize();
    try {
      // What an install of the previous version holds: the secrets as they are.
      await db.query(`UPDATE endpoints SET secret = $1, previous_secrets = $2 WHERE id = $3`, [
        legacy,
        JSON.stringify([{ secret: `${legacy}old`, expiresAt: '2099-01-01T00:00:00.000Z' }]),
        endpoint,
      ]);
      await stack.stop('subscriptions');
      await stack.start('subscriptions');
      const [row] = await db.query<{ secret: string; previous: string }[]>(
        `SELECT secret, previous_secrets::text AS previous FROM endpoints WHERE id = $1`,
        [endpoint],
      );
      expect(row.secret).toMatch(/^hv1:/);
      expect(row.previous).toContain('hv1:');
      expect(row.previous).not.toContain(legacy.slice(6));
    } finally {
      await db.destroy();
    }
    expect((await stack.request('subscriptions', 'GET', `/v1/apps/${app}/endpoints/${endpoint}/secret`)).body?.secret).toBe(legacy);
    // The re-announced config replaced the plaintext message, and the dispatcher signs with the secret.
    await stack.request('ingest', 'POST', `/v1/apps/${app}/events`, { eventType: 'legacy.sealed', payload: {} });
    const request = await eventually(async () => receiver.requests.find((r) => r.body.includes('legacy.sealed')));
    expect(() => new Webhook(legacy).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
  });

  it('refuses to start any app with another HERALD_ENCRYPTION_KEY, with one message and no stack trace', async () => {
    buildOnce();
    const other = randomBytes(32).toString('base64');
    const apps = ['subscriptions', 'ingest', 'dispatcher', 'realtime-gateway'];
    const ports = { SUBSCRIPTIONS_PORT: '0', INGEST_PORT: '0', GATEWAY_PORT: '0', DISPATCHER_PORT: '0' };
    const runs = apps.map((name) => {
      let output = '';
      const started = Date.now();
      const child = spawnApp(
        name,
        stack.env.config,
        { ...ports, HERALD_ENCRYPTION_KEY: other, LOG_LEVEL: 'info' },
        (text) => (output += text),
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { name, exited, took: exited.then(() => Date.now() - started), output: () => output };
    });
    for (const run of runs) {
      expect([run.name, await run.exited]).toEqual([run.name, 1]);
      expect(await run.took).toBeLessThan(10_000);
      expect(run.output()).toContain('was sealed with a different HERALD_ENCRYPTION_KEY');
      expect(run.output()).toContain(`expected key fingerprint ${new SecretBox(stack.env.config.encryptionKey).fingerprint()}`);
      expect(run.output()).not.toMatch(/^\s+at /m);
      expect(run.output()).not.toContain('listening on');
    }
  });
});
