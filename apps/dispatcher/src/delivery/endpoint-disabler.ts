import { Injectable, Logger } from '@nestjs/common';
import { DisableReason, EndpointDisabledMessage, OperationalEventType } from '@herald/contracts';
import { NatsService } from '@herald/messaging';
import { DeliveryRepository, EndpointRepository } from '@herald/persistence';
import { EndpointAnnouncer, OperationalEvents, OutboxRelay } from '@herald/platform';

/**
 * Disables an endpoint the dispatcher gave up on (410 Gone, failing for longer than
 * HERALD_DISABLE_AFTER_HOURS, or a delivery exhausted with `disableOnExhaustion`): the change
 * goes through the outbox like an operator's, its pending deliveries fail, and an
 * `endpoint.disabled` operational event is published (feed and operational webhooks).
 */
@Injectable()
export class EndpointDisabler {
  private readonly logger = new Logger(EndpointDisabler.name);
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly announcer: EndpointAnnouncer,
    private readonly relay: OutboxRelay,
    private readonly nats: NatsService,
    private readonly operational: OperationalEvents,
  ) {}

  async disable(appId: string, endpointId: string, reason: DisableReason): Promise<void> {
    if (this.inProgress.has(endpointId)) return;
    this.inProgress.add(endpointId);
    try {
      let changed = false;
      const updated = await this.endpoints.update(
        appId,
        endpointId,
        (endpoint) => {
          if (endpoint.disabled) return false;
          endpoint.disabled = true;
          endpoint.disabledReason = reason;
          changed = true;
        },
        (endpoint) => this.announcer.upserted(endpoint),
      );
      if (!changed || !updated) return;
      await this.relay.flush();
      const failed = await this.deliveries.failPendingOfEndpoint(endpointId);
      const message: EndpointDisabledMessage = {
        type: 'endpoint.disabled',
        appId,
        timestamp: new Date().toISOString(),
        payload: { endpointId, reason },
      };
      await this.nats.publishJson(this.nats.names.outcome(appId, endpointId), message);
      await this.operational.publish(
        OperationalEventType.endpointDisabled,
        { appId, endpoint: updated },
        reason,
        `${endpointId}:${updated.version}`,
        { failedPendingDeliveries: failed },
      );
      this.logger.warn(`disabled endpoint ${endpointId} (${reason}); failed ${failed} pending deliveries`);
    } finally {
      this.inProgress.delete(endpointId);
    }
  }
}
