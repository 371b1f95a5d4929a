import { Inject, Injectable, Logger } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { EventMessage, IdPrefix, newId, OperationalEventType } from '@herald/contracts';
import { NatsService } from '@herald/messaging';
import { AppEntity, AppRepository } from '@herald/persistence';

/** How long an app's name is reused in operational payloads before it is read again. */
const APP_CACHE_MS = 60_000;
/** How long "there is no operations app (yet)" is believed before asking PostgreSQL again. */
const MISSING_RETRY_MS = 5_000;

/** What an operational webhook says about the endpoint it concerns. */
export interface OperationalSubject {
  appId: string;
  endpoint: { id: string; url: string; name?: string | null };
}

/**
 * Operational webhooks: publishes `herald.endpoint.*` and `herald.delivery.exhausted` as events
 * of the operations app (HERALD_OPERATIONS_APP), so that app's endpoints subscribe to them like
 * to any event type and get them signed, retried and recorded. Payloads name the app, the
 * endpoint and the reason. Events about the operations app itself are not published (its own
 * failing endpoints would otherwise feed themselves). Publishing is best effort: a failure is
 * logged, never thrown into the operation that caused it.
 */
@Injectable()
export class OperationalEvents {
  private readonly logger = new Logger(OperationalEvents.name);
  private operationsApp: { app: AppEntity | null; until: number } = { app: null, until: 0 };
  private readonly apps = new Map<string, { app: AppEntity | null; until: number }>();

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly nats: NatsService,
    private readonly appRepository: AppRepository,
  ) {}

  /**
   * Publishes one operational event. `key` makes it idempotent (JetStream de-duplicates a
   * repeat within its window), e.g. the delivery and attempt an exhaustion is about.
   */
  async publish(type: OperationalEventType, subject: OperationalSubject, reason: string, key: string, details: object = {}): Promise<void> {
    if (!this.config.operationsApp) return;
    try {
      const operations = await this.resolveOperationsApp();
      if (!operations || operations.id === subject.appId) return;
      const app = await this.app(subject.appId);
      const now = new Date().toISOString();
      const event: EventMessage = {
        id: newId(IdPrefix.event),
        appId: operations.id,
        eventType: type,
        payload: {
          app: { id: subject.appId, uid: app?.uid ?? null, name: app?.name ?? null },
          endpoint: { id: subject.endpoint.id, url: subject.endpoint.url, name: subject.endpoint.name ?? null },
          reason,
          ...details,
        },
        channels: null,
        occurredAt: now,
        createdAt: now,
      };
      await this.nats.publishJson(this.nats.names.event(operations.id, type), event, { msgId: `${operations.id}:${type}:${key}` });
    } catch (error) {
      this.logger.warn(`operational event ${type} for ${subject.endpoint.id} not published: ${(error as Error).message}`);
    }
  }

  private async resolveOperationsApp(): Promise<AppEntity | null> {
    const now = Date.now();
    if (this.operationsApp.until > now) return this.operationsApp.app;
    const app = await this.appRepository.findByKey(this.config.operationsApp as string);
    // Found: read again now and then (it may be deleted and made again); missing: soon.
    this.operationsApp = { app, until: now + (app ? APP_CACHE_MS : MISSING_RETRY_MS) };
    return app;
  }

  private async app(appId: string): Promise<AppEntity | null> {
    const now = Date.now();
    const cached = this.apps.get(appId);
    if (cached && cached.until > now) return cached.app;
    const app = await this.appRepository.findByKey(appId);
    if (this.apps.size > 10_000) this.apps.clear();
    this.apps.set(appId, { app, until: now + APP_CACHE_MS });
    return app;
  }
}
