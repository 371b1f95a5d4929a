import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from '@herald/contracts';
import { EventTypeEntity, EventTypeRepository, UniqueViolationError } from '@herald/persistence';
import {
  AdminOnly,
  compileEventSchema,
  ConflictProblem,
  InvalidSchemaError,
  NotFoundProblem,
  PageQueryDto,
  ValidationProblem,
  OptionalField,
} from '@herald/platform';
import { HttpStatus } from '@nestjs/common';
import { IsBoolean, IsObject, IsString, Matches, MaxLength } from 'class-validator';

export class CreateEventTypeDto {
  @IsString()
  @MaxLength(EVENT_TYPE_MAX_LENGTH)
  @Matches(EVENT_TYPE_PATTERN, { message: 'name must be dot-separated segments of [A-Za-z0-9_-]' })
  name: string;

  @OptionalField()
  @IsString()
  @MaxLength(1024)
  description?: string;

  /** A JSON Schema (draft 2020-12) every payload of this type must match. */
  @OptionalField()
  @IsObject({ message: 'schema must be a JSON Schema object' })
  schema?: Record<string, unknown>;

  @OptionalField()
  @IsBoolean()
  deprecated?: boolean;
}

export class UpdateEventTypeDto {
  @OptionalField()
  @IsString()
  @MaxLength(1024)
  description?: string;

  /** `null` removes the schema. */
  @OptionalField({ nullable: true })
  @IsObject({ message: 'schema must be a JSON Schema object or null' })
  schema?: Record<string, unknown> | null;

  @OptionalField()
  @IsBoolean()
  deprecated?: boolean;
}

function presentEventType(type: EventTypeEntity) {
  return {
    name: type.name,
    description: type.description,
    schema: type.schema,
    deprecated: type.deprecated,
    createdAt: type.createdAt,
    updatedAt: type.updatedAt,
  };
}

/** Refuses a schema ajv cannot compile, with 422 naming `schema`. */
function assertCompiles(schema: object | null | undefined): void {
  if (!schema) return;
  try {
    compileEventSchema(schema);
  } catch (error) {
    if (error instanceof InvalidSchemaError) {
      throw new ValidationProblem([{ field: 'schema', message: error.message }], HttpStatus.UNPROCESSABLE_ENTITY);
    }
    throw error;
  }
}

/** Event types: the admin writes them, every token reads them. */
@Controller('v1/event-types')
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypeRepository) {}

  @Post()
  @AdminOnly()
  async create(@Body() dto: CreateEventTypeDto) {
    assertCompiles(dto.schema);
    const now = new Date();
    const type = Object.assign(new EventTypeEntity(), {
      name: dto.name,
      description: dto.description ?? '',
      schema: dto.schema ?? null,
      deprecated: dto.deprecated ?? false,
      createdAt: now,
      updatedAt: now,
    });
    try {
      return presentEventType(await this.eventTypes.insert(type));
    } catch (error) {
      if (error instanceof UniqueViolationError) throw new ConflictProblem(`event type ${dto.name} already exists`, 'name');
      throw error;
    }
  }

  @Get()
  async list(@Query() page: PageQueryDto) {
    const result = await this.eventTypes.list(page);
    return { data: result.data.map(presentEventType), nextCursor: result.nextCursor };
  }

  @Get(':name')
  async get(@Param('name') name: string) {
    return presentEventType(await this.find(name));
  }

  @Patch(':name')
  @AdminOnly()
  async update(@Param('name') name: string, @Body() dto: UpdateEventTypeDto) {
    const type = await this.find(name);
    if (dto.schema !== undefined) {
      assertCompiles(dto.schema);
      type.schema = dto.schema;
    }
    if (dto.description !== undefined) type.description = dto.description;
    if (dto.deprecated !== undefined) type.deprecated = dto.deprecated;
    type.updatedAt = new Date();
    return presentEventType(await this.eventTypes.save(type));
  }

  @Delete(':name')
  @AdminOnly()
  @HttpCode(204)
  async delete(@Param('name') name: string): Promise<void> {
    if (!(await this.eventTypes.delete(name))) throw new NotFoundProblem('event type');
  }

  private async find(name: string): Promise<EventTypeEntity> {
    const type = name.length <= EVENT_TYPE_MAX_LENGTH ? await this.eventTypes.findByName(name) : null;
    if (!type) throw new NotFoundProblem('event type');
    return type;
  }
}
