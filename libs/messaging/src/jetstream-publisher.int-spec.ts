import { jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { headers, NatsConnection } from '@nats-io/nats-core';
import { randomBytes } from 'node:crypto';
import { JetStreamPublishError, JetStreamPublisher } from './jetstream-publisher';
import { connectNats } from './nats.service';

describe('JetStreamPublisher (against the machine NATS)', () => {
  const name = `T${randomBytes(5).toString('hex')}`;
  const subject = `${name.toLowerCase()}.subject`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: JetStreamPublisher;

  beforeAll(async () => {
    nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'herald-publisher-test');
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [`${subject}.>`], duplicate_window: 60_000_000_000 });
    publisher = new JetStreamPublisher(nc, 2000);
  });

  afterAll(async () => {
    publisher.close();
    await jsm.streams.delete(name);
    await nc.close();
  });

  it('resolves with the stream and sequence once stored, many in flight, in order', async () => {
    const acks = await Promise.all(Array.from({ length: 500 }, (_, i) => publisher.publish(`${subject}.a`, Buffer.from(`m${i}`))));
    expect(acks.map((ack) => ack.stream)).toEqual(Array(500).fill(name));
    expect(acks.map((ack) => ack.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect((await jsm.streams.info(name)).state.messages).toBe(500);
  });

  it('reports a repeated Nats-Msg-Id as a duplicate without storing it again', async () => {
    const withId = () => {
      const h = headers();
      h.set('Nats-Msg-Id', 'once');
      return h;
    };
    const first = await publisher.publish(`${subject}.b`, Buffer.from('x'), withId());
    const second = await publisher.publish(`${subject}.b`, Buffer.from('x'), withId());
    expect(first.duplicate).toBe(false);
    expect(second).toMatchObject({ duplicate: true, seq: first.seq });
  });

  it('rejects a subject no stream takes (503) and what JetStream refuses', async () => {
    await expect(publisher.publish(`nostream${name}.x`, Buffer.from('x'))).rejects.toMatchObject({ code: 503 });
    const expected = headers();
    expected.set('Nats-Expected-Last-Sequence', '1');
    await expect(publisher.publish(`${subject}.c`, Buffer.from('x'), expected)).rejects.toBeInstanceOf(JetStreamPublishError);
  });

  it('rejects what is still unanswered when closed', async () => {
    const other = new JetStreamPublisher(nc, 60_000);
    // A subject with a responder that never answers, so the publish stays pending.
    const silent = nc.subscribe(`silent${name}`, { callback: () => undefined });
    const pending = other.publish(`silent${name}`, Buffer.from('x'));
    await nc.flush();
    other.close();
    await expect(pending).rejects.toThrow(/closed before JetStream answered/);
    silent.unsubscribe();
  });

  it('rejects when nothing answers within the timeout', async () => {
    const impatient = new JetStreamPublisher(nc, 300);
    const silent = nc.subscribe(`silent2${name}`, { callback: () => undefined });
    await expect(impatient.publish(`silent2${name}`, Buffer.from('x'))).rejects.toThrow(/did not answer within 300 ms/);
    impatient.close();
    silent.unsubscribe();
  });
});
