import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { NatsService } from '@herald/messaging';
import { HeraldMetrics } from '@herald/telemetry';
import { ConfigFeed } from '../routing/config-feed.service';
import { DeliveryWorker } from './delivery.worker';

/** Reads, at each scrape, the gauges that are read rather than counted: consumer lag, circuit states, unreadable configs. */
@Injectable()
export class DispatcherMetricsReporter implements OnApplicationBootstrap {
  constructor(
    private readonly nats: NatsService,
    private readonly metrics: HeraldMetrics,
    private readonly worker: DeliveryWorker,
    private readonly feed: ConfigFeed,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.onScrape(() => this.refresh());
  }

  async refresh(): Promise<void> {
    const { streams, consumers } = this.nats.names;
    for (const [stream, consumer] of [
      [streams.events, consumers.dispatcherFanout],
      [streams.deliveries, consumers.dispatcherDelivery],
    ]) {
      const info = await this.nats.jsm.consumers.info(stream, consumer).catch(() => null);
      if (!info) continue;
      this.metrics.consumerPending.set({ consumer, kind: 'pending' }, info.num_pending);
      this.metrics.consumerPending.set({ consumer, kind: 'ack_pending' }, info.num_ack_pending);
    }
    for (const [state, count] of Object.entries(this.worker.circuitCounts())) this.metrics.endpointsByCircuit.set({ state }, count);
    this.metrics.configUnreadableEndpoints.set(this.feed.unreadableCount);
  }
}
