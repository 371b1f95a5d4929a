import { Injectable } from '@nestjs/common';
import { DeliveryListItem, DeliveryRepository, EndpointEntity, EndpointHealth } from '@herald/persistence';
import { NotFoundProblem } from '@herald/platform';
import { DeliveryOperationsService } from '../deliveries/delivery-operations.service';
import { CreateEndpointDto, UpdateEndpointDto } from '../endpoints/dto/endpoint.dto';
import { EndpointsService } from '../endpoints/endpoints.service';
import { VideoCloudCreateDto, VideoCloudUpdateDto } from './videocloud.dto';

/**
 * VideoCloud's dialect, as its webhook guide documents it: `{event, timestamp, data}`, a hex
 * HMAC in X-VideoCloud-Signature, retries after 1, 5, 15, 30 and 60 minutes exactly, and after
 * the sixth failed attempt the webhook is marked failed until re-activated.
 */
export const VIDEOCLOUD_DIALECT = {
  signature: { scheme: 'hmac-sha256', header: 'X-VideoCloud-Signature', encoding: 'hex' },
  body: { envelope: 'transform', transform: '{"event": type, "timestamp": timestamp, "data": data}' },
  retrySchedule: [60, 300, 900, 1800, 3600],
  retryJitter: 0,
  disableOnExhaustion: true,
} as const satisfies Partial<CreateEndpointDto>;

/** A webhook as VideoCloud's API shows it. */
export function presentVideoCloudWebhook(endpoint: EndpointEntity, health: EndpointHealth | undefined) {
  const last = health?.lastDelivery;
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.eventTypes,
    // "failed": Herald gave up on it (exhausted, failing, gone) and it waits to be re-activated.
    status: !endpoint.disabled ? 'active' : endpoint.disabledReason === 'manual' ? 'disabled' : 'failed',
    createdAt: endpoint.createdAt,
    lastDelivery: last ? { success: last.status === 'succeeded', timestamp: last.at } : null,
  };
}

/** A delivery as VideoCloud's delivery history shows it. */
export function presentVideoCloudDelivery(delivery: DeliveryListItem) {
  const last = delivery.lastAttempt;
  const status = delivery.status === 'succeeded' ? 'success' : delivery.status;
  const error =
    status === 'success' || !last?.error
      ? undefined
      : last.error === 'http_status' && last.responseStatus !== null
        ? `Server responded with ${last.responseStatus} status code`
        : last.error;
  return {
    id: delivery.id,
    event: delivery.eventType,
    status,
    responseCode: last?.responseStatus ?? null,
    timestamp: last?.at ?? delivery.createdAt,
    retries: Math.max(delivery.attemptCount - 1, 0),
    ...(error === undefined ? {} : { error }),
  };
}

/** `/compat/videocloud/webhooks`: VideoCloud's webhook API over Herald endpoints. */
@Injectable()
export class VideoCloudService {
  constructor(
    private readonly endpoints: EndpointsService,
    private readonly deliveries: DeliveryRepository,
    private readonly operations: DeliveryOperationsService,
  ) {}

  async create(appId: string, dto: VideoCloudCreateDto) {
    const fields: CreateEndpointDto = { url: dto.url, eventTypes: dto.events, secret: dto.secret, ...structuredClone(VIDEOCLOUD_DIALECT) };
    return this.present(await this.endpoints.create(appId, fields, 'videocloud'));
  }

  async list(appId: string, page: { limit: number; offset: number }) {
    const result = await this.endpoints.list(appId, { compat: 'videocloud' }, { ...page, withTotal: true });
    const health = await this.endpoints.health(appId, result.data);
    return { items: result.data.map((e) => presentVideoCloudWebhook(e, health.get(e.id))), total: result.total };
  }

  async get(appId: string, id: string) {
    return this.present(await this.find(appId, id));
  }

  async update(appId: string, id: string, dto: VideoCloudUpdateDto) {
    await this.find(appId, id);
    const fields: UpdateEndpointDto = { url: dto.url, eventTypes: dto.events, secret: dto.secret };
    return this.present(await this.endpoints.update(appId, id, fields));
  }

  async delete(appId: string, id: string): Promise<{ id: string }> {
    await this.find(appId, id);
    await this.endpoints.delete(appId, id);
    return { id };
  }

  async deliveriesOf(appId: string, id: string, page: { limit: number; offset: number }) {
    await this.find(appId, id);
    const result = await this.deliveries.list(appId, { endpointId: id }, { ...page, withTotal: true });
    return { items: result.data.map(presentVideoCloudDelivery), total: result.total };
  }

  async test(appId: string, id: string, event: string | undefined) {
    const endpoint = await this.find(appId, id);
    const deliveryId = await this.operations.sendTest(appId, endpoint.id, event ?? endpoint.eventTypes.find((t) => !t.includes('*')));
    return { deliveryId, status: 'sent' };
  }

  private async find(appId: string, id: string): Promise<EndpointEntity> {
    const endpoint = await this.endpoints.get(appId, id);
    if (endpoint.compat !== 'videocloud') throw new NotFoundProblem('webhook');
    return endpoint;
  }

  private async present(endpoint: EndpointEntity) {
    const health = await this.endpoints.health(endpoint.appId, [endpoint]);
    return presentVideoCloudWebhook(endpoint, health.get(endpoint.id));
  }
}
