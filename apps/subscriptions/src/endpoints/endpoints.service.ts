import { Injectable } from '@nestjs/common';
import { EndpointDisabledMessage, EndpointStateMessage, hasIdShape, IdPrefix, newId, OperationalEventType } from '@herald/contracts';
import { NatsService } from '@herald/messaging';
import {
  EndpointCompat,
  EndpointEntity,
  EndpointFilter,
  EndpointHealth,
  EndpointRepository,
  EventTypeRepository,
  Page,
  PageQuery,
} from '@herald/persistence';
import { endpointConfig, NotFoundProblem, OperationalEvents, ValidationProblem } from '@herald/platform';
import { buildWebhookRequest, generateSecret, supportsSeveralSecrets, TransformCache, TransformError } from '@herald/signing';
import { HttpStatus } from '@nestjs/common';
import { samplePayload, TEST_EVENT_TYPE } from '../event-types/sample-event';
import { OutboxRelay } from '@herald/platform';
import { assertValidFormats } from './endpoint-formats';
import { presentEndpoint } from './endpoint.presenter';
import { CreateEndpointDto, RotateSecretDto, UpdateEndpointDto } from './dto/endpoint.dto';
import { EndpointPreviewDto } from './dto/endpoint-actions.dto';
import { EndpointAnnouncer } from '@herald/platform';

export const DEFAULT_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];
/** The event type of a test send or preview without one. */

/** The exact request an endpoint's settings produce for a sample event. */
export interface RequestPreview {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  event: { id: string; eventType: string; payload: Record<string, unknown>; occurredAt: string };
  /** True when no endpoint was named and no secret given: the signature uses a sample secret. */
  sampleSecret: boolean;
}

/** Endpoint management; every change reaches the dispatchers through the outbox. */
@Injectable()
export class EndpointsService {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly announcer: EndpointAnnouncer,
    private readonly relay: OutboxRelay,
    private readonly nats: NatsService,
    private readonly operational: OperationalEvents,
    private readonly eventTypes: EventTypeRepository,
  ) {}

  /** `compat`: the compatibility API creating it (it lists only its own endpoints). */
  async create(appId: string, dto: CreateEndpointDto, compat: EndpointCompat | null = null): Promise<EndpointEntity> {
    const endpoint = newEndpoint(appId, dto, compat);
    assertValidFormats(endpoint);
    await this.endpoints.insert(endpoint, (e) => this.announcer.upserted(e));
    await this.relay.flush();
    return endpoint;
  }

  /**
   * The request the dispatcher would send for a sample event: built by the dispatcher's own
   * request builder (@herald/signing) from the endpoint's settings with `dto`'s over them.
   * Nothing is stored or sent.
   */
  async preview(appId: string, dto: EndpointPreviewDto): Promise<RequestPreview> {
    const { endpointId, eventType = TEST_EVENT_TYPE, payload, ...settings } = dto;
    const endpoint = endpointId ? await this.get(appId, endpointId) : newEndpoint(appId, { url: 'https://receiver.example/webhook' });
    applyUpdate(endpoint, settings);
    const now = new Date();
    const event = {
      id: newId(IdPrefix.event),
      appId,
      eventType,
      payload: payload ?? (await samplePayload(this.eventTypes, eventType)),
      channels: null,
      occurredAt: now.toISOString(),
      createdAt: now.toISOString(),
    };
    try {
      const request = await buildWebhookRequest(
        endpointConfig(endpoint),
        event,
        { deliveryId: newId(IdPrefix.delivery), attempt: 1, nowMs: now.getTime() },
        new TransformCache(),
      );
      return {
        method: 'POST',
        url: endpoint.url,
        headers: request.headers,
        body: request.body.toString('utf8'),
        bodyBytes: request.body.length,
        event: { id: event.id, eventType, payload: event.payload, occurredAt: event.occurredAt },
        sampleSecret: !endpointId && !settings.secret,
      };
    } catch (error) {
      if (error instanceof TransformError) {
        throw new ValidationProblem([{ field: 'body.transform', message: error.message }], HttpStatus.UNPROCESSABLE_ENTITY);
      }
      throw error;
    }
  }

  async get(appId: string, id: string): Promise<EndpointEntity> {
    const endpoint = hasIdShape(IdPrefix.endpoint, id) ? await this.endpoints.findById(appId, id) : null;
    if (!endpoint) throw new NotFoundProblem('endpoint');
    return endpoint;
  }

  list(appId: string, filter: EndpointFilter, page: PageQuery & { offset?: number }): Promise<Page<EndpointEntity>> {
    return this.endpoints.list(appId, filter, page);
  }

  /** Each endpoint's last delivery and health, computed from its attempts. */
  health(appId: string, endpoints: EndpointEntity[]): Promise<Map<string, EndpointHealth>> {
    return this.endpoints.health(
      appId,
      endpoints.map((e) => e.id),
    );
  }

  /** One endpoint as the API shows it, with its health. */
  async present(endpoint: EndpointEntity): Promise<ReturnType<typeof presentEndpoint>> {
    const health = await this.health(endpoint.appId, [endpoint]);
    return presentEndpoint(endpoint, health.get(endpoint.id));
  }

  /** A page of endpoints as the API shows them, with their health. */
  async presentPage(appId: string, page: Page<EndpointEntity>) {
    const health = await this.health(appId, page.data);
    return {
      data: page.data.map((e) => presentEndpoint(e, health.get(e.id))),
      nextCursor: page.nextCursor,
      ...(page.total === undefined ? {} : { total: page.total }),
    };
  }

  /** Applies a change; switching `disabled` is told like the dispatcher's disabling (feed and operational webhooks). */
  async update(appId: string, id: string, dto: UpdateEndpointDto): Promise<EndpointEntity> {
    await this.get(appId, id);
    let wasDisabled: boolean | null = null;
    const updated = await this.endpoints.update(
      appId,
      id,
      (endpoint) => {
        wasDisabled = endpoint.disabled;
        applyUpdate(endpoint, dto);
      },
      (e) => this.announcer.upserted(e),
    );
    if (!updated) throw new NotFoundProblem('endpoint');
    await this.relay.flush();
    if (wasDisabled !== null && wasDisabled !== updated.disabled) {
      if (updated.disabled) await this.announceDisabled(updated);
      else await this.announceEnabled(updated, 're-enabled by an operator (disabled: false)');
    }
    return updated;
  }

  /**
   * Replaces the secret. For `gracePeriodSeconds` the old one keeps signing too (one signature
   * per live secret), which only the standard scheme can carry; other schemes rotate at once.
   */
  async rotateSecret(appId: string, id: string, dto: RotateSecretDto): Promise<string> {
    const current = await this.get(appId, id);
    const grace = dto.gracePeriodSeconds ?? (supportsSeveralSecrets(current.signature) ? 86400 : 0);
    if (grace > 0 && !supportsSeveralSecrets(current.signature)) {
      throw new ValidationProblem([
        {
          field: 'gracePeriodSeconds',
          message: `the ${current.signature.scheme} scheme sends a single signature, so old and new secrets cannot both sign: rotate with gracePeriodSeconds 0`,
        },
      ]);
    }
    const now = Date.now();
    const updated = await this.endpoints.update(
      appId,
      id,
      (endpoint) => {
        const stillLive = endpoint.previousSecrets.filter((p) => Date.parse(p.expiresAt) > now);
        const retiring = grace > 0 ? [{ secret: endpoint.secret, expiresAt: new Date(now + grace * 1000).toISOString() }] : [];
        endpoint.previousSecrets = [...retiring, ...stillLive].slice(0, 5);
        endpoint.secret = dto.secret ?? generateSecret();
        assertValidFormats(endpoint);
      },
      (e) => this.announcer.upserted(e),
    );
    if (!updated) throw new NotFoundProblem('endpoint');
    await this.relay.flush();
    return updated.secret;
  }

  /**
   * Re-enables an endpoint, whoever disabled it, and forgets its failure streak. If it was
   * disabled, `endpoint.enabled` goes on the feed and to operational webhooks.
   */
  async enable(appId: string, id: string): Promise<EndpointEntity> {
    await this.get(appId, id);
    let previousReason = null as string | null;
    const updated = await this.endpoints.update(
      appId,
      id,
      (endpoint) => {
        previousReason = endpoint.disabled ? (endpoint.disabledReason ?? 'manual') : null;
        endpoint.disabled = false;
        endpoint.disabledReason = null;
        endpoint.failingSince = null;
      },
      (e) => this.announcer.upserted(e),
    );
    if (!updated) throw new NotFoundProblem('endpoint');
    await this.relay.flush();
    if (previousReason !== null) await this.announceEnabled(updated, `re-enabled by an operator (was disabled: ${previousReason})`);
    return updated;
  }

  private async announceDisabled(endpoint: EndpointEntity): Promise<void> {
    const message: EndpointDisabledMessage = {
      type: 'endpoint.disabled',
      appId: endpoint.appId,
      timestamp: new Date().toISOString(),
      payload: { endpointId: endpoint.id, reason: 'manual' },
    };
    await this.nats.publishJson(this.nats.names.outcome(endpoint.appId, endpoint.id), message);
    await this.operational.publish(
      OperationalEventType.endpointDisabled,
      { appId: endpoint.appId, endpoint },
      'manual',
      `${endpoint.id}:${endpoint.version}`,
    );
  }

  private async announceEnabled(endpoint: EndpointEntity, reason: string): Promise<void> {
    const message: EndpointStateMessage = {
      type: 'endpoint.enabled',
      appId: endpoint.appId,
      timestamp: new Date().toISOString(),
      payload: { endpointId: endpoint.id, reason },
    };
    await this.nats.publishJson(this.nats.names.outcome(endpoint.appId, endpoint.id), message);
    await this.operational.publish(
      OperationalEventType.endpointEnabled,
      { appId: endpoint.appId, endpoint },
      reason,
      `${endpoint.id}:${endpoint.version}`,
    );
  }

  async delete(appId: string, id: string): Promise<void> {
    const endpoint = await this.get(appId, id);
    if (!(await this.endpoints.delete(appId, id, this.announcer.deleted(endpoint)))) throw new NotFoundProblem('endpoint');
    await this.relay.flush();
  }
}

function applyUpdate(endpoint: EndpointEntity, dto: UpdateEndpointDto): void {
  applyFields(endpoint, dto);
  assertValidFormats(endpoint);
}

function applyFields(endpoint: EndpointEntity, dto: UpdateEndpointDto): void {
  const { disabled, ...fields } = dto;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (endpoint as unknown as Record<string, unknown>)[key] = value;
  }
  if (disabled !== undefined && disabled !== endpoint.disabled) {
    endpoint.disabled = disabled;
    endpoint.disabledReason = disabled ? 'manual' : null;
  }
}

/** A new endpoint of the app with `dto`'s settings and the defaults of API.md for the rest. */
function newEndpoint(appId: string, dto: CreateEndpointDto, compat: EndpointCompat | null = null): EndpointEntity {
  const now = new Date();
  return Object.assign(new EndpointEntity(), {
    id: newId(IdPrefix.endpoint),
    appId,
    url: dto.url,
    name: dto.name ?? null,
    description: dto.description ?? '',
    metadata: dto.metadata ?? {},
    eventTypes: dto.eventTypes ?? ['*'],
    channels: dto.channels ?? null,
    disabled: dto.disabled ?? false,
    disabledReason: dto.disabled ? 'manual' : null,
    headers: dto.headers ?? {},
    secret: dto.secret ?? generateSecret(),
    previousSecrets: [],
    type: dto.type ?? 'webhook',
    signature: dto.signature ?? { scheme: 'standard' },
    body: dto.body ?? { envelope: 'standard' },
    batch: dto.batch ?? null,
    rateLimit: dto.rateLimit ?? null,
    maxConcurrency: dto.maxConcurrency ?? 16,
    timeoutMs: dto.timeoutMs ?? 15000,
    retrySchedule: dto.retrySchedule ?? DEFAULT_RETRY_SCHEDULE,
    retryJitter: dto.retryJitter ?? 0.2,
    disableOnExhaustion: dto.disableOnExhaustion ?? false,
    idHeader: dto.idHeader ?? null,
    compat,
    version: 1,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  });
}
