import { Controller, Get, Param, Query } from '@nestjs/common';
import { EVENT_TYPE_MAX_LENGTH } from '@herald/contracts';
import { EventEntity, EventRepository } from '@herald/persistence';
import { Caller, listBody, NotFoundProblem, PageQueryDto, Principal, ValidationProblem, IsDateTime, OptionalField } from '@herald/platform';
import { IsString, MaxLength } from 'class-validator';
import { AppsService } from '../apps/apps.service';

export class ListEventsQueryDto extends PageQueryDto {
  @OptionalField()
  @IsString()
  @MaxLength(EVENT_TYPE_MAX_LENGTH)
  eventType?: string;

  /** Events created at or after this time. */
  @OptionalField()
  @IsDateTime()
  since?: string;

  /** Events created before this time. */
  @OptionalField()
  @IsDateTime()
  until?: string;
}

/** The public shape of a stored event. */
export function presentEvent(event: EventEntity) {
  return {
    id: event.id,
    appId: event.appId,
    eventType: event.eventType,
    payload: event.payload,
    channels: event.channels,
    occurredAt: event.occurredAt,
    createdAt: event.createdAt,
  };
}

/** Reads of accepted events (stored once the dispatcher has fanned them out). */
@Controller('v1/apps/:appId/events')
export class EventsController {
  constructor(
    private readonly apps: AppsService,
    private readonly events: EventRepository,
  ) {}

  @Get()
  async list(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: ListEventsQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const since = query.since ? new Date(query.since) : undefined;
    const until = query.until ? new Date(query.until) : undefined;
    if (since && until && until <= since) throw new ValidationProblem([{ field: 'until', message: 'until must be after since' }]);
    const result = await this.events.list(app.id, { eventType: query.eventType, since, until }, query);
    return listBody(result, presentEvent);
  }

  @Get(':eventId')
  async get(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('eventId') id: string) {
    const app = await this.apps.get(appKey, caller);
    const event = id.length <= 128 ? await this.events.findById(app.id, id) : null;
    if (!event) throw new NotFoundProblem('event');
    return presentEvent(event);
  }
}
