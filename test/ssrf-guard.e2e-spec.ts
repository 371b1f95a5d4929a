import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

type Json = Record<string, any>;

describe('SSRF guard (HERALD_ALLOW_PRIVATE_NETWORKS=false)', () => {
  let stack: TestStack;
  const receiver = new Receiver();

  beforeAll(async () => {
    stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher'], { HERALD_ALLOW_PRIVATE_NETWORKS: 'false' });
    await receiver.start();
    await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Guarded', uid: 'guarded' });
  });

  afterAll(async () => {
    await receiver.stop();
    await stack?.close();
  });

  it('refuses to deliver to loopback, by IP literal or through DNS, with error blocked_address', async () => {
    const port = new URL(receiver.url).port;
    const targets = [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`, `http://0x7f000001:${port}/hook`];
    const endpoints: Json[] = [];
    for (const url of targets) {
      const created = await stack.request('subscriptions', 'POST', '/v1/apps/guarded/endpoints', {
        url,
        eventTypes: ['ssrf.*'],
        retrySchedule: [3600],
      });
      if (created.status === 201) endpoints.push(created.body as Json);
    }
    expect(endpoints.length).toBeGreaterThanOrEqual(2);
    const published = await stack.request('ingest', 'POST', '/v1/apps/guarded/events', { eventType: 'ssrf.probe', payload: {} });
    for (const endpoint of endpoints) {
      const delivery = await eventually(async () => {
        const list = await stack.request(
          'subscriptions',
          'GET',
          `/v1/apps/guarded/deliveries?eventId=${published.body?.id}&endpointId=${endpoint.id}`,
        );
        const first = list.body?.data?.[0] as Json | undefined;
        return first?.attemptCount === 1 ? first : undefined;
      });
      const detail = await stack.request('subscriptions', 'GET', `/v1/apps/guarded/deliveries/${delivery.id}`);
      expect({ url: endpoint.url, error: detail.body?.attempts[0].error }).toEqual({ url: endpoint.url, error: 'blocked_address' });
    }
    expect(receiver.requests).toHaveLength(0);
  });
});
