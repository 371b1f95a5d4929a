import { Injectable } from '@nestjs/common';
import { secretBox } from '@herald/config';
import { EndpointConfig, EndpointConfigMessage } from '@herald/contracts';
import { NatsService } from '@herald/messaging';
import { EndpointEntity, OutboxMessage } from '@herald/persistence';

/** The endpoint of a config message with its secrets opened (the announcer seals them). */
export function openSecrets(endpoint: EndpointConfig): EndpointConfig {
  const box = secretBox();
  return {
    ...endpoint,
    secret: box.open(endpoint.secret),
    previousSecrets: endpoint.previousSecrets.map((p) => ({ ...p, secret: box.open(p.secret) })),
  };
}

/** The dispatcher's view of an endpoint (what the request builder takes), each secret passed through `secret`. */
export function endpointConfig(endpoint: EndpointEntity, secret: (value: string) => string = (value) => value): EndpointConfig {
  return {
    id: endpoint.id,
    appId: endpoint.appId,
    url: endpoint.url,
    type: endpoint.type,
    signature: endpoint.signature,
    body: endpoint.body,
    batch: endpoint.batch,
    eventTypes: endpoint.eventTypes,
    channels: endpoint.channels,
    disabled: endpoint.disabled,
    secret: secret(endpoint.secret),
    previousSecrets: endpoint.previousSecrets.map((p) => ({ ...p, secret: secret(p.secret) })),
    headers: endpoint.headers,
    timeoutMs: endpoint.timeoutMs,
    retrySchedule: endpoint.retrySchedule,
    retryJitter: endpoint.retryJitter,
    disableOnExhaustion: endpoint.disableOnExhaustion,
    idHeader: endpoint.idHeader,
    maxConcurrency: endpoint.maxConcurrency,
    rateLimit: endpoint.rateLimit,
    version: endpoint.version,
  };
}

/** Builds the config-stream messages that tell dispatchers about endpoint changes. */
@Injectable()
export class EndpointAnnouncer {
  constructor(private readonly nats: NatsService) {}

  upserted(endpoint: EndpointEntity): OutboxMessage {
    // Sealed: the message sits in the outbox table and on HERALD_CONFIG (see openSecrets).
    const sealed = endpointConfig(endpoint, (secret) => secretBox().seal(secret));
    return this.message(endpoint, { kind: 'endpoint.upserted', endpoint: sealed });
  }

  deleted(endpoint: EndpointEntity): OutboxMessage {
    const payload: EndpointConfigMessage = {
      kind: 'endpoint.deleted',
      appId: endpoint.appId,
      endpointId: endpoint.id,
      version: endpoint.version + 1,
    };
    return this.message(endpoint, payload);
  }

  private message(endpoint: EndpointEntity, payload: EndpointConfigMessage): OutboxMessage {
    return {
      subject: this.nats.names.endpointConfig(endpoint.appId, endpoint.id),
      msgId: `${endpoint.id}:${payload.kind}:${'endpoint' in payload ? payload.endpoint.version : payload.version}`,
      payload,
    };
  }
}
