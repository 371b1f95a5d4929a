import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Receiver } from './support/receiver';
import { AppName, eventually, TestStack } from './support/stack';
import { FeedClient } from './support/ws-client';

describe('observability: one trace across JetStream, and metrics', () => {
  const exporter = new InMemorySpanExporter();
  let stack: TestStack;
  let receiver: Receiver;

  beforeAll(async () => {
    // What the Node SDK sets up in production, with spans kept in memory.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    stack = await TestStack.start();
    receiver = await new Receiver().start();
    await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Observed', uid: 'observed' });
    await stack.request('subscriptions', 'POST', '/v1/apps/observed/endpoints', { url: receiver.url, eventTypes: ['traced.*'] });
  });

  afterAll(async () => {
    await receiver?.stop();
    await stack?.close();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('follows one event from the ingest request to the outgoing POST in one trace, and the receiver gets its traceparent', async () => {
    exporter.reset();
    const published = await stack.request('ingest', 'POST', '/v1/apps/observed/events', { eventType: 'traced.event', payload: { n: 1 } });
    expect(published.status).toBe(202);
    await eventually(async () => receiver.requests.length === 1);
    const spans = await eventually(async () => {
      const all = exporter.getFinishedSpans();
      return ['herald.ingest.publish', 'herald.fanout', 'herald.delivery', 'POST'].every((name) => all.some((s) => s.name === name))
        ? all
        : undefined;
    });
    const byName = (name: string) => spans.find((s) => s.name === name);
    const traceId = byName('herald.ingest.publish')?.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const name of ['herald.fanout', 'herald.delivery', 'POST']) expect(byName(name)?.spanContext().traceId).toBe(traceId);

    const traceparent = String(receiver.requests[0].headers.traceparent);
    const [, receivedTraceId, parentSpanId] = traceparent.split('-');
    expect(receivedTraceId).toBe(traceId);
    expect(parentSpanId).toBe(byName('POST')?.spanContext().spanId);
  });

  it('continues the caller’s trace when the ingest request carries a traceparent', async () => {
    exporter.reset();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const before = receiver.requests.length;
    await stack.request(
      'ingest',
      'POST',
      '/v1/apps/observed/events',
      { eventType: 'traced.again', payload: {} },
      {
        traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`,
      },
    );
    await eventually(async () => receiver.requests.length === before + 1);
    expect(String(receiver.requests[before].headers.traceparent).split('-')[1]).toBe(callerTrace);
  });

  it('serves Prometheus metrics on every app with the traffic counted', async () => {
    const feed = await FeedClient.connect(`${stack.url('realtime-gateway').replace('http', 'ws')}/ws?token=${stack.env.token}`);
    try {
      await eventually(async () => feed.messages.length > 0);
      const scrape = async (app: AppName) => {
        const response = await fetch(`${stack.url(app)}/metrics`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/plain');
        return response.text();
      };
      const value = (text: string, pattern: RegExp) => {
        const line = text.split('\n').find((l) => !l.startsWith('#') && pattern.test(l));
        return line ? Number(line.split(' ').pop()) : undefined;
      };

      const ingest = await scrape('ingest');
      expect(value(ingest, /^herald_events_ingested_total\{.*event_type="traced\.event"/)).toBeGreaterThanOrEqual(1);

      const dispatcher = await scrape('dispatcher');
      expect(value(dispatcher, /^herald_delivery_attempts_total\{.*outcome="succeeded"/)).toBeGreaterThanOrEqual(2);
      expect(value(dispatcher, /^herald_delivery_duration_seconds_count\{.*outcome="success"/)).toBeGreaterThanOrEqual(2);
      expect(value(dispatcher, /^herald_delivery_end_to_end_seconds_count/)).toBeGreaterThanOrEqual(2);
      expect(value(dispatcher, /^herald_delivery_attempts_in_flight/)).toBe(0);
      expect(value(dispatcher, /^herald_jetstream_consumer_pending\{.*consumer="[^"]*dispatcher-fanout".*kind="pending"/)).toBe(0);
      expect(value(dispatcher, /^herald_endpoints_by_circuit_state\{.*state="closed"/)).toBeGreaterThanOrEqual(1);

      expect(value(await scrape('realtime-gateway'), /^herald_websocket_clients/)).toBe(1);
      expect(value(await scrape('subscriptions'), /^herald_process_cpu_user_seconds_total/)).toBeGreaterThan(0);
    } finally {
      feed.close();
    }
  });
});
