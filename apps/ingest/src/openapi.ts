import { HttpStatus } from '@nestjs/common';
import { OpenAPIObject } from '@nestjs/swagger';
import { HeraldConfig } from '@herald/config';
import { ApiDescription, describeRoutes, previewOpenApiDocument, schemaRef } from '@herald/platform';
import { EventsController } from './events/events.controller';
import { IngestModule } from './ingest.module';

const time = { type: 'string', format: 'date-time' } as const;

/** The ingest app's routes in its OpenAPI document; request schemas come from the DTOs' decorators. */
export const INGEST_API: ApiDescription = {
  title: 'Herald ingest API',
  description:
    'Event intake (port 8081). `Authorization: Bearer <token>`: the admin token or an app token. ' +
    'Errors are `application/problem+json`. 202 means JetStream has stored the event.',
  pathParameters: { appId: 'the app’s id (`app_…`) or its uid' },
  schemas: {
    PublishedEvent: {
      type: 'object',
      required: ['id', 'eventType', 'occurredAt', 'createdAt', 'duplicate'],
      properties: {
        id: { type: 'string', example: 'evt_01jd2x3y4z5a6b7c8d9e0f1g2h' },
        eventType: { type: 'string', example: 'user.created' },
        occurredAt: time,
        createdAt: time,
        duplicate: {
          type: 'boolean',
          description: 'true when this id (or Idempotency-Key) was published before: nothing is delivered again',
        },
        deprecated: {
          type: 'boolean',
          enum: [true],
          description: 'present when the event type is deprecated (the event is still delivered)',
        },
      },
    },
    PublishBatchResult: {
      type: 'object',
      required: ['data'],
      properties: {
        data: {
          type: 'array',
          description: 'one result per event, in order: the published event or its error',
          items: {
            oneOf: [
              schemaRef('PublishedEvent'),
              {
                type: 'object',
                required: ['error'],
                properties: {
                  error: {
                    type: 'object',
                    required: ['status', 'detail'],
                    properties: {
                      status: { type: 'integer', example: 422 },
                      detail: { type: 'string' },
                      errors: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['field', 'message'],
                          properties: { field: { type: 'string', example: 'events.3.payload' }, message: { type: 'string' } },
                        },
                      },
                    },
                  },
                },
              },
            ],
          },
        },
      },
    },
  },
  controllers: [
    describeRoutes(EventsController, {
      publish: {
        summary: 'Publish an event (the Idempotency-Key header, like `id`, makes a repeat a duplicate)',
        response: 'PublishedEvent',
        errors: [
          HttpStatus.PAYLOAD_TOO_LARGE,
          HttpStatus.UNPROCESSABLE_ENTITY,
          HttpStatus.TOO_MANY_REQUESTS,
          HttpStatus.SERVICE_UNAVAILABLE,
        ],
      },
      publishBatch: {
        summary: 'Publish up to 500 events; each gets its own result or error',
        response: 'PublishBatchResult',
        errors: [HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.TOO_MANY_REQUESTS],
      },
    }),
  ],
};

/**
 * The ingest API's document, built from its module in preview mode (nothing instantiated, no
 * connections), so the management app can describe the whole REST API in one document.
 */
export function ingestApiDocument(config: HeraldConfig): Promise<OpenAPIObject> {
  return previewOpenApiDocument(IngestModule.register(config), INGEST_API);
}
