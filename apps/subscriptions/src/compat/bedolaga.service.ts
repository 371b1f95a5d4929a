import { Injectable } from '@nestjs/common';
import { generateSecret } from '@herald/signing';
import { DeliveryListItem, DeliveryRepository, EndpointEntity, EndpointHealth } from '@herald/persistence';
import { NotFoundProblem } from '@herald/platform';
import { CreateEndpointDto, UpdateEndpointDto } from '../endpoints/dto/endpoint.dto';
import { EndpointsService } from '../endpoints/endpoints.service';
import { BedolagaCreateDto, BedolagaUpdateDto } from './bedolaga.dto';

/**
 * The Telegram bot panel's dialect, as its docs describe it: the payload alone, X-Webhook-Event
 * and X-Webhook-Id (the webhook's id), and with a secret `X-Webhook-Signature: sha256=<hex>`
 * over `json.dumps(payload, sort_keys=True)`, which its receiver recomputes.
 */
export const BEDOLAGA_DIALECT = {
  body: { envelope: 'data', serialization: 'python-sorted' },
  headers: { 'X-Webhook-Event': '{{eventType}}', 'X-Webhook-Id': '{{endpointId}}' },
} as const satisfies Partial<CreateEndpointDto>;
const SIGNED = { scheme: 'hmac-sha256', header: 'X-Webhook-Signature', prefix: 'sha256=', encoding: 'hex' } as const;
const UNSIGNED = { scheme: 'none' } as const;

type Counts = { succeeded: number; failed: number; pending: number };

/** A webhook as the panel's API shows it (snake_case). */
export function presentBedolagaWebhook(endpoint: EndpointEntity, health: EndpointHealth | undefined, counts: Counts | undefined) {
  return {
    id: endpoint.id,
    name: endpoint.name ?? '',
    url: endpoint.url,
    event_type: endpoint.eventTypes[0],
    is_active: !endpoint.disabled,
    description: endpoint.description || null,
    has_secret: endpoint.signature.scheme !== 'none',
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
    last_triggered_at: health?.lastDelivery?.at ?? null,
    success_count: counts?.succeeded ?? 0,
    failure_count: counts?.failed ?? 0,
  };
}

/** A delivery as the panel's history shows it. */
export function presentBedolagaDelivery(delivery: DeliveryListItem) {
  const last = delivery.lastAttempt;
  const status = delivery.status === 'succeeded' ? 'success' : delivery.status;
  return {
    id: delivery.id,
    webhook_id: delivery.endpointId,
    event_type: delivery.eventType,
    event_id: delivery.eventId,
    status,
    response_status: last?.responseStatus ?? null,
    error_message: status !== 'success' && last?.error ? last.error : null,
    attempt_number: delivery.attemptCount,
    created_at: delivery.createdAt,
    delivered_at: status === 'success' ? (last?.at ?? null) : null,
    next_retry_at: delivery.nextAttemptAt,
  };
}

const STATUS = { pending: 'pending', success: 'succeeded', failed: 'failed' } as const;

/** `/compat/bedolaga/webhooks`: the Telegram bot panel's webhook API over Herald endpoints. */
@Injectable()
export class BedolagaService {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async create(appId: string, dto: BedolagaCreateDto) {
    const fields: CreateEndpointDto = {
      url: dto.url,
      name: dto.name,
      description: dto.description ?? '',
      eventTypes: [dto.event_type],
      ...structuredClone(BEDOLAGA_DIALECT),
      // Without a secret nothing is signed; the endpoint still holds one, unused.
      secret: dto.secret ?? generateSecret(),
      signature: dto.secret ? SIGNED : UNSIGNED,
    };
    return this.present(await this.endpoints.create(appId, fields, 'bedolaga'));
  }

  async list(appId: string, query: { event_type?: string; is_active?: 'true' | 'false'; limit: number; offset: number }) {
    const disabled = query.is_active === undefined ? undefined : query.is_active === 'false';
    const result = await this.endpoints.list(
      appId,
      { compat: 'bedolaga', eventType: query.event_type, disabled },
      { limit: query.limit, offset: query.offset, withTotal: true },
    );
    const [health, counts] = await Promise.all([
      this.endpoints.health(appId, result.data),
      this.deliveries.countsByEndpoint(
        appId,
        result.data.map((e) => e.id),
      ),
    ]);
    return {
      items: result.data.map((e) => presentBedolagaWebhook(e, health.get(e.id), counts.get(e.id))),
      total: result.total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  async get(appId: string, id: string) {
    return this.present(await this.find(appId, id));
  }

  async update(appId: string, id: string, dto: BedolagaUpdateDto) {
    const current = await this.find(appId, id);
    const fields: UpdateEndpointDto = {
      name: dto.name,
      url: dto.url,
      description: dto.description === undefined ? undefined : (dto.description ?? ''),
      eventTypes: dto.event_type === undefined ? undefined : [dto.event_type],
      disabled: dto.is_active === undefined ? undefined : !dto.is_active,
    };
    if (dto.secret !== undefined) {
      fields.secret = dto.secret ?? generateSecret();
      fields.signature = dto.secret ? SIGNED : UNSIGNED;
    }
    let updated = await this.endpoints.update(appId, id, fields);
    // Switching back on re-enables it whatever disabled it, as the panel expects.
    if (dto.is_active === true && current.disabled) updated = await this.endpoints.enable(appId, id);
    return this.present(updated);
  }

  async delete(appId: string, id: string): Promise<void> {
    await this.find(appId, id);
    await this.endpoints.delete(appId, id);
  }

  async stats(appId: string) {
    const totals = await this.deliveries.compatTotals(appId, 'bedolaga');
    const settled = totals.succeeded + totals.failed;
    return {
      total_webhooks: totals.webhooks,
      active_webhooks: totals.activeWebhooks,
      total_deliveries: totals.succeeded + totals.failed + totals.pending,
      successful_deliveries: totals.succeeded,
      failed_deliveries: totals.failed,
      pending_deliveries: totals.pending,
      success_rate: settled > 0 ? Math.round((totals.succeeded / settled) * 10000) / 100 : 0,
    };
  }

  async deliveriesOf(appId: string, id: string, query: { status?: 'pending' | 'success' | 'failed'; limit: number; offset: number }) {
    await this.find(appId, id);
    const result = await this.deliveries.list(
      appId,
      { endpointId: id, status: query.status && STATUS[query.status] },
      { limit: query.limit, offset: query.offset, withTotal: true },
    );
    return { items: result.data.map(presentBedolagaDelivery), total: result.total, limit: query.limit, offset: query.offset };
  }

  private async find(appId: string, id: string): Promise<EndpointEntity> {
    const endpoint = await this.endpoints.get(appId, id);
    if (endpoint.compat !== 'bedolaga') throw new NotFoundProblem('webhook');
    return endpoint;
  }

  private async present(endpoint: EndpointEntity) {
    const [health, counts] = await Promise.all([
      this.endpoints.health(endpoint.appId, [endpoint]),
      this.deliveries.countsByEndpoint(endpoint.appId, [endpoint.id]),
    ]);
    return presentBedolagaWebhook(endpoint, health.get(endpoint.id), counts.get(endpoint.id));
  }
}
