import { PrivateNats } from './support/processes';
import { eventually, TestStack } from './support/stack';
import { FeedClient } from './support/ws-client';

jest.setTimeout(120_000);

describe('realtime gateway across a NATS restart', () => {
  it('keeps its clients and their feed when NATS goes away and comes back', async () => {
    const nats = await PrivateNats.start();
    const stack = await TestStack.start(['subscriptions', 'ingest', 'realtime-gateway'], { NATS_URL: nats.url });
    try {
      await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Reconnect', uid: 'reconnect' });
      const client = await FeedClient.connect(`${stack.url('realtime-gateway').replace('http', 'ws')}/ws?token=${stack.env.token}`);
      const publish = async (i: number) => {
        for (;;) {
          const response = await stack.request('ingest', 'POST', '/v1/apps/reconnect/events', {
            id: `r-${i}`,
            eventType: 'reconnect.item',
            payload: { i },
          });
          if (response.status === 202) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      await publish(1);
      await eventually(async () => client.find((m) => m.payload?.i === 1));

      await nats.stop();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await nats.restart();

      await publish(2);
      await eventually(async () => client.find((m) => m.payload?.i === 2), 30_000, 100);
      expect(client.socket.readyState).toBe(client.socket.OPEN);
      client.close();
    } finally {
      await stack.close();
      await nats.destroy();
    }
  });
});
