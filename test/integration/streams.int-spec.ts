import { Names } from '@herald/contracts';
import { connectNats, deleteStreams, provisionStreams, streamConfigs } from '@herald/messaging';
import { jetstream, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { randomBytes } from 'node:crypto';

describe('JetStream provisioning (real NATS)', () => {
  const names = new Names(`i${randomBytes(5).toString('hex')}`);
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'herald-int-test');
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await deleteStreams(jsm, names);
    await nc.close();
  });

  it('creates every stream and consumer, and running it again changes nothing', async () => {
    await provisionStreams(jsm, names, 20);
    await provisionStreams(jsm, names, 20);
    for (const config of streamConfigs(names)) {
      const info = await jsm.streams.info(config.name);
      expect(info.config.subjects).toEqual(config.subjects);
    }
    const fanout = await jsm.consumers.info(names.streams.events, names.consumers.dispatcherFanout);
    expect(fanout.config.durable_name).toBe(names.consumers.dispatcherFanout);
    const delivery = await jsm.consumers.info(names.streams.deliveries, names.consumers.dispatcherDelivery);
    expect(delivery.config.ack_wait).toBe(20 * 1e9);
    expect(fanout.config.ack_wait).toBe(20 * 1e9);
  });

  it('keeps only the namespace’s subjects apart from the default ones', () => {
    expect(names.event('app_1', 'user.created')).toBe(`${names.namespace}.herald.events.app_1.user.created`);
    expect(new Names().event('app_1', 'user.created')).toBe('herald.events.app_1.user.created');
    expect(names.streams.events).toBe(`${names.namespace.toUpperCase()}_HERALD_EVENTS`);
  });

  it('drops a re-published event with the same Nats-Msg-Id', async () => {
    const js = jetstream(nc);
    const subject = names.event('app_x', 'a.b');
    const first = await js.publish(subject, '{}', { msgID: 'evt_same' });
    const second = await js.publish(subject, '{}', { msgID: 'evt_same' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
  });

  it('keeps only the latest message per endpoint on the config stream', async () => {
    const js = jetstream(nc);
    const subject = names.endpointConfig('app_x', 'ep_1');
    await js.publish(subject, '{"v":1}');
    await js.publish(subject, '{"v":2}');
    const info = await jsm.streams.info(names.streams.config);
    expect(info.state.messages).toBe(1);
    const last = await jsm.streams.getMessage(names.streams.config, { last_by_subj: subject });
    expect(last?.string()).toBe('{"v":2}');
  });
});
