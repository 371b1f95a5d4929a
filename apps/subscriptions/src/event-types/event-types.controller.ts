import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { EVENT_TYPE_MAX_LENGTH } from '@herald/contracts';
import { EventTypeEntity, EventTypeRepository, UniqueViolationError } from '@herald/persistence';
import {
  AdminOnly,
  compileEventSchema,
  ConflictProblem,
  InvalidSchemaError,
  IsEventType,
  listBody,
  NotFoundProblem,
  PageQueryDto,
  schemaViolations,
  ValidationProblem,
  OptionalField,
} from '@herald/platform';
import { HttpStatus } from '@nestjs/common';
import { IsBoolean, IsObject, IsString, MaxLength } from 'class-validator';

export class CreateEventTypeDto {
  @IsEventType('name')
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

  /** A payload of this type (checked against `schema`); a test send without a payload uses it. */
  @OptionalField()
  @IsObject({ message: 'example must be a JSON object' })
  example?: Record<string, unknown>;
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

  /** `null` removes the example. */
  @OptionalField({ nullable: true })
  @IsObject({ message: 'example must be a JSON object or null' })
  example?: Record<string, unknown> | null;
}

function presentEventType(type: EventTypeEntity) {
  return {
    name: type.name,
    description: type.description,
    schema: type.schema,
    deprecated: type.deprecated,
    example: type.example,
    createdAt: type.createdAt,
    updatedAt: type.updatedAt,
  };
}

/**
 * Refuses a schema ajv cannot compile, with 422 naming `schema`, and an example the schema
 * does not accept, with 422 naming `example` and the schema's complaints.
 */
function assertValid(schema: object | null | undefined, example: object | null | undefined): void {
  if (!schema) return;
  let validate: ReturnType<typeof compileEventSchema>;
  try {
    validate = compileEventSchema(schema);
  } catch (error) {
    if (error instanceof InvalidSchemaError) {
      throw new ValidationProblem([{ field: 'schema', message: error.message }], HttpStatus.UNPROCESSABLE_ENTITY);
    }
    throw error;
  }
  if (example && !validate(example)) {
    const errors = schemaViolations(validate.errors).map((e) => ({ field: e.field.replace(/^payload/, 'example'), message: e.message }));
    throw new ValidationProblem(
      errors.length > 0 ? errors : [{ field: 'example', message: 'does not match the schema' }],
      HttpStatus.UNPROCESSABLE_ENTITY,
    );
  }
}

/** Event types: the admin writes them, every token reads them. */
@Controller('v1/event-types')
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypeRepository) {}

  @Post()
  @AdminOnly()
  async create(@Body() dto: CreateEventTypeDto) {
    assertValid(dto.schema, dto.example);
    const now = new Date();
    const type = Object.assign(new EventTypeEntity(), {
      name: dto.name,
      description: dto.description ?? '',
      schema: dto.schema ?? null,
      deprecated: dto.deprecated ?? false,
      example: dto.example ?? null,
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
    return listBody(result, presentEventType);
  }

  @Get(':name')
  async get(@Param('name') name: string) {
    return presentEventType(await this.find(name));
  }

  @Patch(':name')
  @AdminOnly()
  async update(@Param('name') name: string, @Body() dto: UpdateEventTypeDto) {
    const type = await this.find(name);
    if (dto.schema !== undefined) type.schema = dto.schema;
    if (dto.example !== undefined) type.example = dto.example;
    if (dto.schema !== undefined || dto.example !== undefined) assertValid(type.schema, type.example);
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
