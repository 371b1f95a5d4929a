import { HttpStatus, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { HeraldConfig } from '@herald/config';
import { ApiDescription, createOpenApiDocument, describeRoutes, includeOperations, pageOf, schemaRef } from '@herald/platform';
// The one import across apps: the management document also describes the ingest app's routes.
import { ingestApiDocument } from '../../ingest/src/openapi';
import { AppsController } from './apps/apps.controller';
import { IsStringMap } from './common/string-map.validator';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { IsBatchSettings, IsBodyFormat, IsIdHeader, IsRequestHeaders, IsSignatureScheme } from './endpoints/dto/endpoint.validators';
import { BedolagaController } from './compat/bedolaga.controller';
import { VideoCloudController } from './compat/videocloud.controller';
import { StatsController } from './deliveries/stats.controller';
import { EndpointsController } from './endpoints/endpoints.controller';
import { EventTypesController } from './event-types/event-types.controller';
import { EventsController } from './events/events.controller';
import { TokensController } from './tokens/tokens.controller';
import { PortalSessionsController } from './portal/portal-sessions.controller';
import { SessionController } from './portal/session.controller';
import { SubscriptionsModule } from './subscriptions.module';

const id = (example: string): SchemaObject => ({ type: 'string', example });
const time: SchemaObject = { type: 'string', format: 'date-time' };
const nullableTime: SchemaObject = { ...time, nullable: true };
const strings: SchemaObject = { type: 'array', items: { type: 'string' } };
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$";

/** Shapes the DTOs' custom validators accept and the responses repeat. */
const SHARED_SCHEMAS: Record<string, SchemaObject> = {
  StringMap: {
    type: 'object',
    description: 'up to 64 keys (1–128 characters) mapped to strings of at most 1,024 characters',
    maxProperties: 64,
    additionalProperties: { type: 'string', maxLength: 1024 },
  },
  RequestHeaders: {
    type: 'object',
    description:
      'up to 32 extra request headers; hop-by-hop, host, content-* and webhook-* names are refused; values may use ' +
      '{{eventType}}, {{eventId}}, {{endpointId}}, {{deliveryId}}, {{attempt}}',
    maxProperties: 32,
    additionalProperties: { type: 'string', maxLength: 4096 },
  },
  EndpointSignature: {
    description: 'how requests are signed (default `{scheme: "standard"}`, Standard Webhooks v1)',
    oneOf: [
      { type: 'object', required: ['scheme'], additionalProperties: false, properties: { scheme: { type: 'string', enum: ['standard'] } } },
      {
        type: 'object',
        description: 'HMAC-SHA256 of the exact body bytes, key = the secret’s UTF-8 bytes',
        required: ['scheme', 'header'],
        additionalProperties: false,
        properties: {
          scheme: { type: 'string', enum: ['hmac-sha256'] },
          header: { type: 'string', pattern: HEADER_NAME },
          prefix: { type: 'string', maxLength: 32 },
          encoding: { type: 'string', enum: ['hex', 'base64'] },
        },
      },
      {
        type: 'object',
        description: 'sends the secret itself (legacy receivers only)',
        required: ['scheme', 'header'],
        additionalProperties: false,
        properties: { scheme: { type: 'string', enum: ['shared-secret'] }, header: { type: 'string', pattern: HEADER_NAME } },
      },
      { type: 'object', required: ['scheme'], additionalProperties: false, properties: { scheme: { type: 'string', enum: ['none'] } } },
    ],
  },
  EndpointBody: {
    type: 'object',
    description: 'the request body: `standard` = `{type, timestamp, data}`, `data` = the payload alone, `transform` = a JSONata expression',
    required: ['envelope'],
    additionalProperties: false,
    properties: {
      envelope: { type: 'string', enum: ['standard', 'data', 'transform'] },
      transform: {
        type: 'string',
        minLength: 1,
        maxLength: 10000,
        description:
          'JSONata over `{id, type, timestamp, timestampEpoch, data, attempt, endpointId}` (`timestampEpoch`: seconds with a fraction); required for `envelope: "transform"`',
      },
      serialization: {
        type: 'string',
        enum: ['compact', 'python', 'python-sorted'],
        default: 'compact',
        description: '`python`: Python’s default `json.dumps`; `python-sorted`: `json.dumps(obj, sort_keys=True)`',
      },
    },
  },
  IdHeader: {
    type: 'string',
    pattern: HEADER_NAME,
    description: 'a header that carries the event id (the batch id for a batch), e.g. `X-Webhook-Delivery`',
  },
  EndpointBatch: {
    type: 'object',
    description: 'send a JSON array of up to `maxSize` bodies at most every `maxWaitMs`',
    required: ['maxSize', 'maxWaitMs'],
    additionalProperties: false,
    properties: { maxSize: { type: 'integer', minimum: 1, maximum: 1000 }, maxWaitMs: { type: 'integer', minimum: 10, maximum: 60000 } },
  },
};

const wrapped = (data: SchemaObject | ReferenceObject): SchemaObject => ({
  type: 'object',
  required: ['success', 'data'],
  properties: { success: { type: 'boolean', enum: [true] }, data },
});
const itemsOf = (item: string, extra: Record<string, SchemaObject> = {}): SchemaObject => ({
  type: 'object',
  required: ['items', 'total', ...Object.keys(extra)],
  properties: { items: { type: 'array', items: schemaRef(item) }, total: { type: 'integer' }, ...extra },
});

/** The compatibility APIs' bodies, in the shapes of those products' docs. */
const COMPAT_SCHEMAS: Record<string, SchemaObject> = {
  VideoCloudWebhook: {
    type: 'object',
    required: ['id', 'url', 'events', 'status', 'createdAt', 'lastDelivery'],
    properties: {
      id: id('ep_…'),
      url: { type: 'string', format: 'uri' },
      events: strings,
      status: {
        type: 'string',
        enum: ['active', 'failed', 'disabled'],
        description: '`failed`: gave up after the last retry; re-activate it',
      },
      createdAt: time,
      lastDelivery: {
        type: 'object',
        nullable: true,
        required: ['success', 'timestamp'],
        properties: { success: { type: 'boolean' }, timestamp: time },
      },
    },
  },
  VideoCloudDelivery: {
    type: 'object',
    required: ['id', 'event', 'status', 'responseCode', 'timestamp', 'retries'],
    properties: {
      id: id('dlv_…'),
      event: { type: 'string' },
      status: { type: 'string', enum: ['success', 'failed', 'pending'] },
      responseCode: { type: 'integer', nullable: true },
      timestamp: time,
      retries: { type: 'integer' },
      error: { type: 'string', example: 'Server responded with 500 status code' },
    },
  },
  VideoCloudWebhookResponse: wrapped(schemaRef('VideoCloudWebhook')),
  VideoCloudWebhookList: wrapped(itemsOf('VideoCloudWebhook')),
  VideoCloudDeliveryList: wrapped(itemsOf('VideoCloudDelivery')),
  VideoCloudDeleted: wrapped({ type: 'object', required: ['id'], properties: { id: id('ep_…') } }),
  VideoCloudTestSent: wrapped({
    type: 'object',
    required: ['deliveryId', 'status'],
    properties: { deliveryId: id('dlv_…'), status: { type: 'string', enum: ['sent'] } },
  }),
  BedolagaWebhook: {
    type: 'object',
    required: ['id', 'name', 'url', 'event_type', 'is_active', 'description', 'created_at', 'updated_at'],
    properties: {
      id: id('ep_…'),
      name: { type: 'string' },
      url: { type: 'string', format: 'uri' },
      event_type: { type: 'string', example: 'user.created' },
      is_active: { type: 'boolean' },
      description: { type: 'string', nullable: true },
      has_secret: { type: 'boolean' },
      created_at: time,
      updated_at: time,
      last_triggered_at: nullableTime,
      success_count: { type: 'integer' },
      failure_count: { type: 'integer' },
    },
  },
  BedolagaDelivery: {
    type: 'object',
    required: ['id', 'webhook_id', 'event_type', 'status', 'response_status', 'error_message', 'attempt_number', 'created_at'],
    properties: {
      id: id('dlv_…'),
      webhook_id: id('ep_…'),
      event_type: { type: 'string' },
      event_id: id('evt_…'),
      status: { type: 'string', enum: ['pending', 'success', 'failed'] },
      response_status: { type: 'integer', nullable: true },
      error_message: { type: 'string', nullable: true },
      attempt_number: { type: 'integer' },
      created_at: time,
      delivered_at: nullableTime,
      next_retry_at: nullableTime,
    },
  },
  BedolagaWebhookList: itemsOf('BedolagaWebhook', { limit: { type: 'integer' }, offset: { type: 'integer' } }),
  BedolagaDeliveryList: itemsOf('BedolagaDelivery', { limit: { type: 'integer' }, offset: { type: 'integer' } }),
  BedolagaStats: {
    type: 'object',
    required: ['total_webhooks', 'active_webhooks', 'total_deliveries', 'successful_deliveries', 'failed_deliveries', 'success_rate'],
    properties: {
      total_webhooks: { type: 'integer' },
      active_webhooks: { type: 'integer' },
      total_deliveries: { type: 'integer' },
      successful_deliveries: { type: 'integer' },
      failed_deliveries: { type: 'integer' },
      pending_deliveries: { type: 'integer' },
      success_rate: { type: 'number', description: 'percent of settled deliveries that succeeded' },
    },
  },
};

/** Response bodies (the `*.presenter.ts` shapes). */
const RESPONSE_SCHEMAS: Record<string, SchemaObject> = {
  App: {
    type: 'object',
    required: ['id', 'uid', 'name', 'metadata', 'createdAt', 'updatedAt'],
    properties: {
      id: id('app_01jd2x3y4z5a6b7c8d9e0f1g2h'),
      uid: { type: 'string', nullable: true, example: 'shop' },
      name: { type: 'string' },
      metadata: schemaRef('StringMap'),
      createdAt: time,
      updatedAt: time,
    },
  },
  Token: {
    type: 'object',
    required: ['id', 'appId', 'description', 'expiresAt', 'createdAt'],
    properties: {
      id: id('tok_01jd2x3y4z5a6b7c8d9e0f1g2h'),
      appId: id('app_…'),
      description: { type: 'string' },
      expiresAt: nullableTime,
      createdAt: time,
    },
  },
  NewToken: {
    allOf: [
      schemaRef('Token'),
      {
        type: 'object',
        required: ['token'],
        properties: { token: { type: 'string', example: 'hrld_…', description: 'shown this once; only its hash is kept' } },
      },
    ],
  },
  EventType: {
    type: 'object',
    required: ['name', 'description', 'schema', 'deprecated', 'createdAt', 'updatedAt'],
    properties: {
      name: { type: 'string', example: 'user.created' },
      description: { type: 'string' },
      schema: { type: 'object', nullable: true, description: 'a JSON Schema (2020-12) every payload of this type must match' },
      deprecated: { type: 'boolean' },
      example: { type: 'object', nullable: true, description: 'a payload of this type; test sends without a payload use it' },
      createdAt: time,
      updatedAt: time,
    },
  },
  Endpoint: {
    type: 'object',
    description: 'an endpoint; never includes its secret',
    required: ['id', 'appId', 'url', 'type', 'signature', 'body', 'batch', 'description', 'metadata', 'eventTypes', 'channels'],
    properties: {
      id: id('ep_01jd2x3y4z5a6b7c8d9e0f1g2h'),
      appId: id('app_…'),
      name: { type: 'string', nullable: true },
      url: { type: 'string', format: 'uri' },
      type: {
        type: 'string',
        enum: ['webhook', 'discord', 'slack', 'relay'],
        description: '`relay`: deliveries go over the realtime gateway to a connected `herald listen`, not to `url`',
      },
      signature: schemaRef('EndpointSignature'),
      body: schemaRef('EndpointBody'),
      batch: { allOf: [schemaRef('EndpointBatch')], nullable: true },
      description: { type: 'string' },
      metadata: schemaRef('StringMap'),
      eventTypes: { ...strings, example: ['user.*'] },
      channels: { ...strings, nullable: true },
      disabled: { type: 'boolean' },
      disabledReason: { type: 'string', enum: ['manual', 'failing', 'gone', 'exhausted'], nullable: true },
      headers: schemaRef('RequestHeaders'),
      idHeader: { type: 'string', nullable: true },
      rateLimit: { type: 'integer', nullable: true, description: 'deliveries per second' },
      maxConcurrency: { type: 'integer' },
      timeoutMs: { type: 'integer' },
      retrySchedule: { type: 'array', items: { type: 'integer' }, description: 'seconds between attempts' },
      retryJitter: { type: 'number', minimum: 0, maximum: 0.5, description: 'each delay × (1 ± up to this); 0 = exactly the schedule' },
      disableOnExhaustion: { type: 'boolean', description: 'disabled (reason `exhausted`) when a delivery exhausts the schedule' },
      compat: { type: 'string', enum: ['videocloud', 'bedolaga'], nullable: true, description: 'the compatibility API that created it' },
      lastDelivery: {
        type: 'object',
        nullable: true,
        description: 'the delivery attempted last',
        required: ['status', 'at', 'responseStatus'],
        properties: {
          status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
          at: time,
          responseStatus: { type: 'integer', nullable: true },
        },
      },
      health: {
        type: 'object',
        required: ['successRate24h', 'circuit'],
        properties: {
          successRate24h: {
            type: 'number',
            nullable: true,
            minimum: 0,
            maximum: 1,
            description: 'share of the last 24 h’s attempts that succeeded',
          },
          circuit: {
            type: 'string',
            enum: ['closed', 'open', 'half-open'],
            description: 'the circuit breaker’s state, derived from the trailing failed attempts',
          },
        },
      },
      createdAt: time,
      updatedAt: time,
    },
  },
  EndpointSecret: { type: 'object', required: ['secret'], properties: { secret: { type: 'string', example: 'whsec_…' } } },
  EndpointStats: {
    type: 'object',
    required: ['total', 'succeeded', 'failed', 'pending', 'successRate', 'latencyMs'],
    properties: {
      total: { type: 'integer' },
      succeeded: { type: 'integer' },
      failed: { type: 'integer' },
      pending: { type: 'integer' },
      successRate: { type: 'number', nullable: true, minimum: 0, maximum: 1 },
      latencyMs: {
        type: 'object',
        required: ['p50', 'p95', 'p99'],
        properties: {
          p50: { type: 'number', nullable: true },
          p95: { type: 'number', nullable: true },
          p99: { type: 'number', nullable: true },
        },
      },
    },
  },
  AppStats: {
    allOf: [
      schemaRef('EndpointStats'),
      {
        type: 'object',
        required: ['endpoints'],
        properties: {
          endpoints: {
            type: 'array',
            items: {
              allOf: [{ type: 'object', required: ['endpointId'], properties: { endpointId: id('ep_…') } }, schemaRef('EndpointStats')],
            },
          },
        },
      },
    ],
  },
  Event: {
    type: 'object',
    required: ['id', 'appId', 'eventType', 'payload', 'channels', 'occurredAt', 'createdAt'],
    properties: {
      id: id('evt_01jd2x3y4z5a6b7c8d9e0f1g2h'),
      appId: id('app_…'),
      eventType: { type: 'string', example: 'user.created' },
      payload: { type: 'object' },
      channels: { ...strings, nullable: true },
      occurredAt: time,
      createdAt: time,
    },
  },
  Delivery: {
    type: 'object',
    required: ['id', 'appId', 'eventId', 'endpointId', 'eventType', 'status', 'attemptCount', 'nextAttemptAt', 'createdAt', 'updatedAt'],
    properties: {
      id: id('dlv_01jd2x3y4z5a6b7c8d9e0f1g2h'),
      appId: id('app_…'),
      eventId: id('evt_…'),
      endpointId: id('ep_…'),
      eventType: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
      attemptCount: { type: 'integer' },
      nextAttemptAt: { ...nullableTime, description: 'when a pending delivery is tried next' },
      createdAt: time,
      updatedAt: time,
    },
  },
  DeliveryItem: {
    allOf: [
      schemaRef('Delivery'),
      {
        type: 'object',
        required: ['lastAttempt'],
        properties: {
          lastAttempt: {
            type: 'object',
            nullable: true,
            required: ['at', 'responseStatus', 'error', 'durationMs'],
            properties: {
              at: time,
              responseStatus: { type: 'integer', nullable: true },
              error: { type: 'string', nullable: true },
              durationMs: { type: 'integer' },
            },
          },
        },
      },
    ],
  },
  Attempt: {
    type: 'object',
    required: ['id', 'attempt', 'startedAt', 'durationMs', 'outcome', 'responseStatus', 'responseBody', 'error', 'requestHeaders'],
    properties: {
      id: id('att_01jd2x3y4z5a6b7c8d9e0f1g2h'),
      attempt: { type: 'integer', minimum: 1 },
      batchId: { type: 'string', nullable: true, description: 'the batch this attempt sent the delivery in' },
      startedAt: time,
      durationMs: { type: 'integer' },
      outcome: { type: 'string', enum: ['success', 'failure'] },
      responseStatus: { type: 'integer', nullable: true },
      responseBody: { type: 'string', nullable: true, description: 'the first 4 KiB' },
      error: {
        type: 'string',
        nullable: true,
        enum: [
          'timeout',
          'connection_refused',
          'connection_reset',
          'dns',
          'tls',
          'blocked_address',
          'http_status',
          'redirect',
          'transform',
          'relay_offline',
          null,
        ],
      },
      requestHeaders: { type: 'object', additionalProperties: { type: 'string' } },
      requestBody: {
        type: 'string',
        nullable: true,
        description: 'the request body as sent, its first 64 KiB (null when nothing was sent)',
      },
    },
  },
  DeliveryWithAttempts: {
    allOf: [
      schemaRef('Delivery'),
      { type: 'object', required: ['attempts'], properties: { attempts: { type: 'array', items: schemaRef('Attempt') } } },
    ],
  },
  DeliveryRetry: {
    type: 'object',
    required: ['id', 'attempt'],
    properties: { id: id('dlv_…'), attempt: { type: 'integer', description: 'the attempt queued now' } },
  },
  TestDelivery: { type: 'object', required: ['deliveryId'], properties: { deliveryId: id('dlv_…') } },
  ReplayResult: {
    type: 'object',
    required: ['count'],
    properties: {
      count: { type: 'integer', description: 'deliveries queued again (with `dryRun`: that would be)' },
      dryRun: { type: 'boolean', enum: [true], description: 'present when nothing was sent (a dry run)' },
    },
  },
  RequestPreview: {
    type: 'object',
    description: 'the request the dispatcher would send for a sample event (built by its own code; nothing is sent)',
    required: ['method', 'url', 'headers', 'body', 'bodyBytes', 'event', 'sampleSecret'],
    properties: {
      method: { type: 'string', enum: ['POST'] },
      url: { type: 'string' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      body: { type: 'string', description: 'the body bytes, as UTF-8 text' },
      bodyBytes: { type: 'integer' },
      event: {
        type: 'object',
        required: ['id', 'eventType', 'payload', 'occurredAt'],
        properties: { id: id('evt_…'), eventType: { type: 'string' }, payload: { type: 'object' }, occurredAt: time },
      },
      sampleSecret: { type: 'boolean', description: 'true when the signature uses a sample secret (no endpoint named, no secret given)' },
    },
  },
  StatsTimeseries: {
    type: 'object',
    required: ['since', 'until', 'bucketSeconds', 'endpointId', 'data'],
    properties: {
      since: time,
      until: time,
      bucketSeconds: { type: 'integer', enum: [60, 300, 900, 3600] },
      endpointId: { type: 'string', nullable: true },
      data: {
        type: 'array',
        description: 'one bucket per `bucketSeconds` from `since`, oldest first, empty ones included',
        items: {
          type: 'object',
          required: ['start', 'succeeded', 'failed', 'latencyMs'],
          properties: {
            start: time,
            succeeded: { type: 'integer', description: 'attempts that succeeded' },
            failed: { type: 'integer', description: 'attempts that failed' },
            latencyMs: {
              type: 'object',
              required: ['p50', 'p95', 'p99'],
              properties: {
                p50: { type: 'number', nullable: true },
                p95: { type: 'number', nullable: true },
                p99: { type: 'number', nullable: true },
              },
            },
          },
        },
      },
    },
  },
  PortalSession: {
    type: 'object',
    required: ['url', 'token', 'expiresAt', 'appId', 'readOnly'],
    properties: {
      url: { type: 'string', example: 'https://herald.example/console/portal#token=hrld_…', description: 'opens the app’s portal' },
      token: { type: 'string', example: 'hrld_…', description: 'acts as an app token until expiresAt (read-only: every write is 403)' },
      expiresAt: time,
      appId: id('app_…'),
      readOnly: { type: 'boolean' },
    },
  },
  Session: {
    type: 'object',
    required: ['kind', 'appId', 'readOnly', 'portal'],
    properties: {
      kind: { type: 'string', enum: ['admin', 'app'] },
      appId: { type: 'string', nullable: true, description: 'the one app an app token (or portal session) may see' },
      readOnly: { type: 'boolean' },
      portal: { type: 'boolean', description: 'true for a portal session' },
    },
  },
  AppPage: pageOf('App'),
  TokenPage: pageOf('Token'),
  EventTypePage: pageOf('EventType'),
  EndpointPage: pageOf('Endpoint'),
  EventPage: pageOf('Event'),
  DeliveryPage: pageOf('DeliveryItem'),
  ...COMPAT_SCHEMAS,
};

const { CONFLICT, UNPROCESSABLE_ENTITY } = HttpStatus;

/** The management app's routes in its OpenAPI document; request schemas come from the DTOs' decorators. */
export const SUBSCRIPTIONS_API: ApiDescription = {
  title: 'Herald API',
  description: [
    'The management API (this app, port 8080) and the event intake routes of the ingest app (port 8081; their `servers` say so).',
    '',
    '- Auth: `Authorization: Bearer <token>`: the admin token does everything; an app token (`hrld_…`) only what is inside its app (anything else is 404) and no admin-only route (403).',
    '- Errors: `application/problem+json` `{type, title, status, detail, errors?: [{field, message}]}`.',
    '- Lists: `?limit=` (1–250, default 50) and `?cursor=` → `{data, nextCursor}`, newest first; `?withTotal=true` adds `total`.',
    '- Compatibility APIs (`/compat/videocloud/webhooks…`, `/compat/bedolaga/webhooks…`) speak those products’ shapes; the app comes from an app token, or `?app=` with the admin token.',
    '- IDs are prefixed and time-sortable (`app_…`, `ep_…`, `evt_…`, `dlv_…`, `att_…`, `tok_…`); where a path takes `{appId}`, the app’s uid works too.',
  ].join('\n'),
  pathParameters: { appId: 'the app’s id (`app_…`) or its uid' },
  schemas: { ...SHARED_SCHEMAS, ...RESPONSE_SCHEMAS },
  validators: [
    [IsStringMap, schemaRef('StringMap')],
    [IsRequestHeaders, schemaRef('RequestHeaders')],
    [IsSignatureScheme, schemaRef('EndpointSignature')],
    [IsBodyFormat, schemaRef('EndpointBody')],
    [IsBatchSettings, schemaRef('EndpointBatch')],
    [IsIdHeader, schemaRef('IdHeader')],
  ],
  controllers: [
    describeRoutes(AppsController, {
      create: { summary: 'Create an app (admin)', response: 'App', errors: [CONFLICT] },
      list: { summary: 'List apps (admin)', response: 'AppPage' },
      get: { summary: 'Get an app', response: 'App' },
      update: { summary: 'Update an app (admin)', response: 'App', errors: [CONFLICT] },
      delete: { summary: 'Delete an app and its endpoints (admin)' },
    }),
    describeRoutes(TokensController, {
      create: { summary: 'Create an app token (admin); the token is shown once', response: 'NewToken' },
      list: { summary: 'List an app’s tokens (admin)', response: 'TokenPage' },
      delete: { summary: 'Revoke an app token (admin)' },
    }),
    describeRoutes(EventTypesController, {
      create: { summary: 'Create an event type (admin)', response: 'EventType', errors: [CONFLICT, UNPROCESSABLE_ENTITY] },
      list: { summary: 'List event types', response: 'EventTypePage' },
      get: { summary: 'Get an event type', response: 'EventType' },
      update: { summary: 'Update an event type (admin)', response: 'EventType', errors: [UNPROCESSABLE_ENTITY] },
      delete: { summary: 'Delete an event type (admin)' },
    }),
    describeRoutes(EndpointsController, {
      create: { summary: 'Create an endpoint', response: 'Endpoint', errors: [UNPROCESSABLE_ENTITY] },
      list: { summary: 'List an app’s endpoints', response: 'EndpointPage' },
      get: { summary: 'Get an endpoint', response: 'Endpoint' },
      update: { summary: 'Update an endpoint', response: 'Endpoint', errors: [UNPROCESSABLE_ENTITY] },
      delete: { summary: 'Delete an endpoint' },
      secret: { summary: 'Get an endpoint’s signing secret', response: 'EndpointSecret' },
      rotate: { summary: 'Rotate the signing secret; the old one keeps signing for the grace period', response: 'EndpointSecret' },
      enable: { summary: 'Re-enable an endpoint', response: 'Endpoint' },
      replay: { summary: 'Resend the endpoint’s deliveries of events in a time window', response: 'ReplayResult' },
      test: { summary: 'Send a recorded test event to this endpoint only', response: 'TestDelivery' },
      preview: {
        summary: 'The exact request (headers and body) a sample event produces with these settings; nothing is sent',
        response: 'RequestPreview',
        errors: [UNPROCESSABLE_ENTITY],
      },
      stats: { summary: 'Delivery counts and latency since a time (default: the last 24 h)', response: 'EndpointStats' },
    }),
    describeRoutes(EventsController, {
      list: { summary: 'List an app’s events', response: 'EventPage' },
      get: { summary: 'Get an event', response: 'Event' },
    }),
    describeRoutes(DeliveriesController, {
      list: { summary: 'List an app’s deliveries', response: 'DeliveryPage' },
      get: { summary: 'Get a delivery with its attempts', response: 'DeliveryWithAttempts' },
      retry: { summary: 'Attempt a delivery once more, now', response: 'DeliveryRetry' },
    }),
    describeRoutes(StatsController, {
      get: {
        summary: 'The app’s delivery counts and latency since a time (default: the last 24 h), in all and per endpoint',
        response: 'AppStats',
      },
      timeseries: {
        summary: 'Attempts per time bucket by outcome, with latency percentiles (the app’s, or one endpoint’s)',
        response: 'StatsTimeseries',
      },
    }),
    describeRoutes(VideoCloudController, {
      create: { summary: 'VideoCloud compatibility: register a webhook (VideoCloud’s dialect)', response: 'VideoCloudWebhookResponse' },
      list: { summary: 'VideoCloud compatibility: list webhooks', response: 'VideoCloudWebhookList' },
      get: { summary: 'VideoCloud compatibility: get a webhook', response: 'VideoCloudWebhookResponse' },
      update: {
        summary: 'VideoCloud compatibility: update a webhook',
        response: 'VideoCloudWebhookResponse',
        errors: [UNPROCESSABLE_ENTITY],
      },
      delete: { summary: 'VideoCloud compatibility: delete a webhook', response: 'VideoCloudDeleted' },
      deliveries: { summary: 'VideoCloud compatibility: a webhook’s delivery history', response: 'VideoCloudDeliveryList' },
      test: { summary: 'VideoCloud compatibility: send a test event', response: 'VideoCloudTestSent' },
    }),
    describeRoutes(BedolagaController, {
      create: { summary: 'Telegram panel compatibility: create a webhook', response: 'BedolagaWebhook' },
      list: { summary: 'Telegram panel compatibility: list webhooks', response: 'BedolagaWebhookList' },
      stats: { summary: 'Telegram panel compatibility: webhook statistics', response: 'BedolagaStats' },
      get: { summary: 'Telegram panel compatibility: get a webhook', response: 'BedolagaWebhook' },
      update: { summary: 'Telegram panel compatibility: update a webhook', response: 'BedolagaWebhook', errors: [UNPROCESSABLE_ENTITY] },
      delete: { summary: 'Telegram panel compatibility: delete a webhook' },
      deliveries: { summary: 'Telegram panel compatibility: a webhook’s deliveries', response: 'BedolagaDeliveryList' },
    }),
    describeRoutes(PortalSessionsController, {
      create: {
        summary: 'Create a portal session (admin): a short-lived app token and the link that opens the app’s portal',
        response: 'PortalSession',
      },
    }),
    describeRoutes(SessionController, {
      get: { summary: 'Who the token is: the admin, or an app token (and whether read-only)', response: 'Session' },
    }),
  ],
};

/**
 * The document of the whole REST API: the management routes and, marked as served by the ingest
 * app, its intake routes. Build the ingest part (`ingestApiDocument`) before creating `app`.
 */
export function restApiDocument(app: INestApplication, ingest: OpenAPIObject, config: HeraldConfig): OpenAPIObject {
  return includeOperations(createOpenApiDocument(app, SUBSCRIPTIONS_API), ingest, {
    url: 'http://{host}:{port}',
    description: 'the ingest app (INGEST_PORT)',
    variables: { host: { default: '127.0.0.1' }, port: { default: String(config.ports.ingest || 8081) } },
  });
}

export { ingestApiDocument };

/**
 * The same document built in preview mode (no database, no NATS): what `libs/client` is generated
 * from (scripts/generate-client.ts), so the typed client and the served document cannot differ.
 */
export async function previewRestApiDocument(config: HeraldConfig): Promise<OpenAPIObject> {
  const ingest = await ingestApiDocument(config);
  const app = await NestFactory.create(SubscriptionsModule.register(config), { preview: true, logger: false, abortOnError: false });
  try {
    return restApiDocument(app, ingest, config);
  } finally {
    await app.close();
  }
}
