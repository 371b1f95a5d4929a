import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Herald metric, registered in one registry per process. Each app updates the ones that
 * concern it; `/metrics` serves them all (untouched ones simply have no samples).
 */
export class HeraldMetrics {
  readonly registry = new Registry();

  readonly eventsIngested = new Counter({
    name: 'herald_events_ingested_total',
    help: 'Events accepted by ingest, by app and event type.',
    labelNames: ['app_id', 'event_type', 'duplicate'] as const,
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'herald_delivery_attempts_total',
    help: 'Delivery attempts by outcome (succeeded, failed, exhausted) and error class.',
    labelNames: ['outcome', 'error_class'] as const,
    registers: [this.registry],
  });

  readonly deliveryLatency = new Histogram({
    name: 'herald_delivery_duration_seconds',
    help: 'Duration of delivery attempts (the HTTP exchange with the endpoint).',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly endToEndLatency = new Histogram({
    name: 'herald_delivery_end_to_end_seconds',
    help: 'Time from the event being accepted by ingest to its successful delivery.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600],
    registers: [this.registry],
  });

  readonly attemptsInFlight = new Gauge({
    name: 'herald_delivery_attempts_in_flight',
    help: 'HTTP requests to endpoints in flight in this dispatcher.',
    registers: [this.registry],
  });

  readonly consumerPending = new Gauge({
    name: 'herald_jetstream_consumer_pending',
    help: 'Messages waiting for a durable consumer (lag), plus those delivered but not acked.',
    labelNames: ['consumer', 'kind'] as const,
    registers: [this.registry],
  });

  readonly endpointsByCircuit = new Gauge({
    name: 'herald_endpoints_by_circuit_state',
    help: 'Endpoints this dispatcher has seen, by circuit-breaker state.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly configUnreadableEndpoints = new Gauge({
    name: 'herald_config_unreadable_endpoints',
    help: 'Endpoints whose latest config message this dispatcher cannot read (their deliveries are parked).',
    registers: [this.registry],
  });

  readonly websocketClients = new Gauge({
    name: 'herald_websocket_clients',
    help: 'WebSocket clients connected to this gateway.',
    registers: [this.registry],
  });

  private readonly refreshers: (() => Promise<void>)[] = [];

  /** Registers a function that updates read-on-demand gauges right before each scrape. */
  onScrape(refresh: () => Promise<void>): void {
    this.refreshers.push(refresh);
  }

  /** The Prometheus text, after refreshing the read-on-demand gauges. */
  async scrape(): Promise<string> {
    await Promise.all(this.refreshers.map((refresh) => refresh().catch(() => undefined)));
    return this.registry.metrics();
  }

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry, prefix: 'herald_' });
  }
}
