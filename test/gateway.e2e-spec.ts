import WebSocket from 'ws';
import { FeedService } from '../apps/realtime-gateway/src/feed/feed.service';
import { AppName, eventually, startApp, TestStack } from './support/stack';
import { clientFrame, FeedClient, RawWebSocket } from './support/ws-client';

type Json = Record<string, any>;

describe('realtime gateway', () => {
  let stack: TestStack;
  let wsBase: string;
  let appId: string;

  beforeAll(async () => {
    stack = await TestStack.start(['subscriptions', 'ingest', 'realtime-gateway'] as AppName[], {
      GATEWAY_ALLOWED_ORIGINS: 'https://admin.example.com',
      GATEWAY_HEARTBEAT_MS: '200',
      GATEWAY_MAX_BUFFERED_BYTES: '65536',
    });
    wsBase = `${stack.url('realtime-gateway').replace('http', 'ws')}/ws`;
    appId = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Feed', uid: 'feed' })).body?.id as string;
  });

  afterAll(async () => {
    await stack?.close();
  });

  const publish = (eventType: string, payload: Json = {}) =>
    stack.request('ingest', 'POST', '/v1/apps/feed/events', { eventType, payload });

  it('reads the streams only once a client is connected, and that client gets what is published next', async () => {
    const feed = stack.apps.get('realtime-gateway')?.app.get(FeedService) as FeedService;
    await publish('idle.happened', { n: 1 });
    expect(feed.isFollowing()).toBe(false);
    const client = await FeedClient.connect(`${wsBase}?token=${stack.env.token}`);
    try {
      expect(feed.isFollowing()).toBe(true);
      await publish('first.happened', { n: 2 });
      const message = await eventually(async () => client.find((m) => m.type === 'first.happened'));
      expect(message.payload).toEqual({ n: 2 });
      expect(client.find((m) => m.type === 'idle.happened')).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it('refuses a bad token (401) and a foreign origin (403) at the upgrade; accepts ?api_key=', async () => {
    await expect(FeedClient.connect(`${wsBase}`)).rejects.toThrow('401');
    await expect(FeedClient.connect(`${wsBase}?token=wrong-token-wrong-token`)).rejects.toThrow('401');
    const foreign = new Promise((resolve, reject) => {
      const socket = new WebSocket(`${wsBase}?token=${stack.env.token}`, { headers: { origin: 'https://evil.example.com' } });
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      socket.once('open', () => reject(new Error('opened')));
    });
    await expect(foreign).resolves.toBe(403);
    const allowed = new WebSocket(`${wsBase}?api_key=${stack.env.token}`, { headers: { origin: 'https://admin.example.com' } });
    await new Promise((resolve, reject) => {
      allowed.once('open', resolve);
      allowed.once('error', reject);
    });
    allowed.close();
  });

  it('answers the malformed messages of a burst before closing it with 1009 for its oversized last frame', async () => {
    // The five frames leave in one write, so the gateway reads them in one go; 20 times, as it was a race.
    const malformed = ['not json', '[]', '{"type":"dance"}', '{"type":"subscribe","eventTypes":"*"}'];
    const burst = Buffer.concat([
      ...malformed.map((text) => clientFrame(0x1, Buffer.from(text))),
      clientFrame(0x1, Buffer.alloc(100 * 1024, 'x')),
    ]);
    for (let run = 0; run < 20; run += 1) {
      const raw = await RawWebSocket.connect(`${wsBase}?token=${stack.env.token}`);
      try {
        await eventually(async () => raw.frames.length === 1);
        raw.socket.write(burst);
        await eventually(async () => raw.frames.some((frame) => 'close' in frame), 5000, 5);
        expect(raw.frames.slice(1).map((frame) => ('close' in frame ? frame.close : frame.text.type))).toEqual([
          'error',
          'error',
          'error',
          'error',
          1009,
        ]);
      } finally {
        raw.socket.destroy();
      }
    }
  });

  it('answers ping, reports malformed messages without closing, and narrows the feed with subscribe', async () => {
    const client = await FeedClient.connect(`${wsBase}?token=${stack.env.token}`);
    try {
      client.send({ type: 'ping' });
      client.send('not json');
      client.send({ type: 'subscribe', eventTypes: ['bad filter!'] });
      client.send({ type: 'dance' });
      await eventually(async () => client.messages.filter((m) => m.type === 'error').length === 3);
      expect(client.find((m) => m.type === 'pong')).toBeDefined();
      expect(client.socket.readyState).toBe(WebSocket.OPEN);

      client.send({ type: 'subscribe', eventTypes: ['user.*'], appId });
      await eventually(async () => client.find((m) => m.type === 'subscribed'));
      await publish('order.paid', { n: 1 });
      await publish('user.created', { n: 2 });
      await eventually(async () => client.find((m) => m.type === 'user.created'));
      expect(client.find((m) => m.type === 'order.paid')).toBeUndefined();
      expect(client.find((m) => m.type === 'user.created')).toMatchObject({ appId, payload: { n: 2 }, seq: expect.any(String) });

      client.send({ type: 'unsubscribe' });
      await eventually(async () => client.find((m) => m.type === 'unsubscribed'));
      const count = client.messages.length;
      await publish('user.deleted', {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.messages.length).toBe(count);
    } finally {
      client.close();
    }
  });

  it('catches a client up from a seq or a time, then goes live, with no gap and no duplicate at the switch', async () => {
    const startedAt = new Date().toISOString();
    const first = await FeedClient.connect(`${wsBase}?token=${stack.env.token}`);
    first.send({ type: 'subscribe', eventTypes: ['catchup.*'] });
    await eventually(async () => first.find((m) => m.type === 'subscribed'));
    for (let i = 1; i <= 5; i += 1) await publish('catchup.item', { i });
    await eventually(async () => first.messages.filter((m) => m.type === 'catchup.item').length === 5);
    const third = first.messages.find((m) => m.type === 'catchup.item' && m.payload.i === 3);
    first.close();

    // Events keep arriving while the second client catches up from the third one.
    const second = await FeedClient.connect(`${wsBase}?token=${stack.env.token}`);
    second.send({ type: 'subscribe', eventTypes: ['catchup.*'], since: third?.seq });
    const publishing = (async () => {
      for (let i = 6; i <= 30; i += 1) await publish('catchup.item', { i });
    })();
    await publishing;
    await eventually(async () => second.messages.filter((m) => m.type === 'catchup.item').length >= 27, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const received = second.messages.filter((m) => m.type === 'catchup.item').map((m) => m.payload.i as number);
    expect(received).toEqual(Array.from({ length: 27 }, (_, k) => k + 4));
    expect(second.find((m) => m.type === 'caught-up')).toBeDefined();
    second.close();

    // From a time: everything since then, once.
    const third2 = await FeedClient.connect(`${wsBase}?token=${stack.env.token}`);
    third2.send({ type: 'subscribe', eventTypes: ['catchup.*'], since: startedAt });
    await eventually(async () => third2.find((m) => m.type === 'caught-up'));
    expect(third2.messages.filter((m) => m.type === 'catchup.item').map((m) => m.payload.i as number)).toEqual(
      Array.from({ length: 30 }, (_, k) => k + 1),
    );
    third2.send({ type: 'subscribe', since: 'yesterday' });
    await eventually(async () => third2.find((m) => m.type === 'error' && /since/.test(m.message as string)));
    third2.close();
  });

  it('runs as several replicas, each serving its own clients from NATS', async () => {
    const second = await startApp('realtime-gateway', stack.env.config);
    try {
      const a = await FeedClient.connect(`${wsBase}?token=${stack.env.token}`);
      const b = await FeedClient.connect(`${second.url.replace('http', 'ws')}/ws?token=${stack.env.token}`);
      await publish('replica.check', { n: 7 });
      await eventually(async () => a.find((m) => m.type === 'replica.check') && b.find((m) => m.type === 'replica.check'));
      a.close();
      b.close();
    } finally {
      await second.app.close();
    }
  });

  it('closes a client that stops answering heartbeats', async () => {
    const silent = new WebSocket(`${wsBase}?token=${stack.env.token}`, { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    await expect(closed).resolves.toBe(1006); // terminated: no closing handshake
  });

  it('closes a slow client with 1013 while a fast one keeps receiving', async () => {
    // A replica with slow heartbeats, so the paused client is found slow rather than dead.
    const gateway = await startApp('realtime-gateway', {
      ...stack.env.config,
      gateway: { ...stack.env.config.gateway, heartbeatMs: 60_000 },
    });
    const base = `${gateway.url.replace('http', 'ws')}/ws`;
    const fast = await FeedClient.connect(`${base}?token=${stack.env.token}`);
    const slow = new WebSocket(`${base}?token=${stack.env.token}`);
    await new Promise((resolve) => slow.once('open', resolve));
    const slowClosed = new Promise<number>((resolve) => slow.once('close', (code) => resolve(code)));
    // Stop reading: the gateway's send buffer for this client fills up.
    (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const blob = 'x'.repeat(50_000);
    for (let i = 0; i < 120; i += 1) await publish('bulk.data', { i, blob });
    await eventually(async () => fast.messages.filter((m) => m.type === 'bulk.data').length === 120, 30_000);
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await expect(slowClosed).resolves.toBe(1013);
    fast.close();
    await gateway.app.close();
  });

  it('serves the admin panel’s documented JavaScript client unchanged (ws standing in for the browser WebSocket)', async () => {
    const events: Json[] = [];
    const log: string[] = [];
    const console = { log: (...args: unknown[]) => log.push(args.map(String).join(' ')) };
    const updateDashboard = (payload: Json) => events.push(payload);
    // --- the seed's example, as written ---
    const ws = new WebSocket(`${wsBase}?token=${stack.env.token}`);
    ws.onopen = () => {
      console.log('Connected');
    };
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data as string) as Json;
      console.log('Event:', data.type, data.payload);
      if (data.type === 'user.created') {
        updateDashboard(data.payload as Json);
      }
    };
    const keepalive = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: 'ping' }));
      }
    }, 30000);
    // --- end of the seed's example ---
    try {
      await eventually(async () => log.includes('Connected') && log.some((l) => l.startsWith('Event: connection')));
      await publish('user.created', { user_id: 123, telegram_id: 456789 });
      await eventually(async () => events.length === 1);
      expect(events[0]).toEqual({ user_id: 123, telegram_id: 456789 });
      // The 30 s keepalive sends {"type":"ping"}; the gateway answers {"type":"pong"}.
      ws.send(JSON.stringify({ type: 'ping' }));
      await eventually(async () => log.some((l) => l.startsWith('Event: pong')));
      expect(ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(keepalive);
      ws.close();
    }
  });
});
