import { SecretBox } from '@herald/config';
import { EndpointConfigMessage } from '@herald/contracts';
import { NatsService } from '@herald/messaging';
import { randomBytes } from 'node:crypto';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

type Json = Record<string, any>;

jest.setTimeout(90_000);

describe('an unreadable endpoint config message', () => {
  let stack: TestStack;
  let nats: NatsService;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher']);
    nats = stack.apps.get('dispatcher')!.app.get(NatsService);
    await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Config', uid: 'config' });
  });

  afterAll(async () => {
    for (const receiver of receivers) await receiver.stop();
    await stack?.close();
  });

  async function endpointWithReceiver(): Promise<{ id: string; appId: string; receiver: Receiver }> {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    const response = await stack.request('subscriptions', 'POST', '/v1/apps/config/endpoints', {
      url: receiver.url,
      eventTypes: ['order.*'],
    });
    expect(response.status).toBe(201);
    return { id: response.body?.id as string, appId: response.body?.appId as string, receiver };
  }

  async function publish(orderId: number): Promise<string> {
    const response = await stack.request('ingest', 'POST', '/v1/apps/config/events', { eventType: 'order.placed', payload: { orderId } });
    expect(response.status).toBe(202);
    return response.body?.id as string;
  }

  async function deliveryTo(endpointId: string, eventId: string): Promise<Json> {
    return eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/config/deliveries?endpointId=${endpointId}&eventId=${eventId}`);
      return list.body?.data?.[0] as Json | undefined;
    });
  }

  const ready = async () => (await fetch(`${stack.url('dispatcher')}/health/ready`)).status;
  const unreadableGauge = async () =>
    /herald_config_unreadable_endpoints\{[^}]*\} (\d+)/.exec(await (await fetch(`${stack.url('dispatcher')}/metrics`)).text())?.[1];

  it('parks only that endpoint, while another endpoint of the same app keeps getting deliveries; none readable fails readiness', async () => {
    const corrupt = await endpointWithReceiver();
    const healthy = await endpointWithReceiver();
    const names = nats.names;
    // A corrupt message replaces the corrupt endpoint's config (one message per subject).
    await nats.publishBytes(names.endpointConfig(corrupt.appId, corrupt.id), new TextEncoder().encode('{not json'));
    await eventually(async () => (await unreadableGauge()) === '1');

    const eventId = await publish(1);
    await eventually(async () => healthy.receiver.requests.find((r) => r.headers['webhook-id'] === eventId));
    expect(await ready()).toBe(200);
    // The corrupt endpoint's delivery waits: acked and parked, no attempt, nothing sent.
    const parked = await eventually(async () => {
      const delivery = await deliveryTo(corrupt.id, eventId);
      return delivery.nextAttemptAt ? delivery : undefined;
    });
    expect(parked).toMatchObject({ status: 'pending', attemptCount: 0 });
    expect(new Date(parked.nextAttemptAt as string).getTime()).toBeGreaterThan(Date.now() + 30_000);
    const stats = await stack.request('subscriptions', 'GET', `/v1/apps/config/endpoints/${corrupt.id}/stats`);
    expect(stats.body).toMatchObject({ pending: 1, succeeded: 0 });
    expect(corrupt.receiver.requests).toHaveLength(0);

    // The healthy endpoint's config sealed under another key: now no endpoint is readable.
    const latest = await nats.jsm.streams.getMessage(names.streams.config, {
      last_by_subj: names.endpointConfig(healthy.appId, healthy.id),
    });
    const message = latest!.json<EndpointConfigMessage>();
    if (message.kind !== 'endpoint.upserted') throw new Error('expected an upsert');
    const foreign = new SecretBox(randomBytes(32).toString('base64'));
    await nats.publishJson(names.endpointConfig(healthy.appId, healthy.id), {
      ...message,
      endpoint: { ...message.endpoint, secret: foreign.seal('whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0') },
    });
    await eventually(async () => (await unreadableGauge()) === '2');
    const response = await fetch(`${stack.url('dispatcher')}/health/ready`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toBe('not ready: endpoint-config down');
    // Its routing was readable, so its new deliveries exist and wait too.
    const later = await publish(2);
    const waiting = await eventually(async () => {
      const delivery = await deliveryTo(healthy.id, later);
      return delivery.nextAttemptAt ? delivery : undefined;
    });
    expect(waiting).toMatchObject({ status: 'pending', attemptCount: 0 });
    expect(healthy.receiver.requests.some((r) => r.headers['webhook-id'] === later)).toBe(false);
  });
});
