import { applyDecorators, ValidationError, ValidationPipe } from '@nestjs/common';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from '@herald/contracts';
import { plainToInstance } from 'class-transformer';
import { isISO8601, IsString, Matches, MaxLength, ValidateBy, ValidateIf, ValidationArguments, validateSync } from 'class-validator';
import { FieldError, ValidationProblem } from './problem';
import { assertSafeJson } from './input-guard';

/** Flattens class-validator errors to `{field, message}` with dotted paths (`headers.x-a`, `eventTypes.0`). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** The global pipe: whitelist, forbid unknown properties, answer 400 naming every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationProblem(flattenValidationErrors(errors)),
  });
}

/**
 * Validates a plain object against a DTO class exactly as the global pipe does; throws
 * ValidationProblem. `plain`, for a hot path, answers a body that plainly passes every rule
 * without class-transformer and class-validator (null sends it down the full path).
 */
export function validateDto<T extends object>(
  cls: new () => T,
  raw: unknown,
  field = '',
  plain?: (body: Record<string, unknown>) => T | null,
): T {
  assertJsonObject(raw, field);
  assertSafeJson(raw, field);
  return plain?.(raw as Record<string, unknown>) ?? validateGuardedDto(cls, raw, field);
}

/** validateDto for a body the input guard (findUnsafeJson) has passed already: not walked again. */
export function validateGuardedDto<T extends object>(cls: new () => T, raw: unknown, field = ''): T {
  assertJsonObject(raw, field);
  const dto = plainToInstance(cls, raw);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false });
  if (errors.length > 0) throw new ValidationProblem(flattenValidationErrors(errors, field));
  return dto;
}

/**
 * The field may be left out. Unlike class-validator's @IsOptional, `null` counts as a value and
 * is validated (so `{"name": null}` is a 400 naming `name`), unless the field is `nullable`.
 */
export function OptionalField(options: { nullable?: boolean } = {}): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined && !(options.nullable && value === null));
}

/** What @IsDateTime() accepts. */
export function isDateTime(value: unknown): boolean {
  return typeof value === 'string' && isISO8601(value, { strict: true }) && Number.isFinite(Date.parse(value));
}

/**
 * An ISO 8601 date-time JavaScript can turn into a Date: `IsISO8601` alone also takes forms
 * such as week dates (`2026-W01`) that `new Date()` cannot read.
 */
export function IsDateTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isDateTime',
    validator: {
      validate: isDateTime,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} must be an ISO 8601 date-time (e.g. 2026-01-02T03:04:05Z)`,
    },
  });
}

function assertJsonObject(raw: unknown, field: string): asserts raw is object {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationProblem([{ field: field || 'body', message: 'must be a JSON object' }]);
  }
}

/** An event type name: dot-separated segments of [A-Za-z0-9_-], at most 128 characters; `field` names it in the message. */
export function IsEventType(field: string): PropertyDecorator {
  return applyDecorators(
    IsString(),
    MaxLength(EVENT_TYPE_MAX_LENGTH),
    Matches(EVENT_TYPE_PATTERN, { message: `${field} must be dot-separated segments of [A-Za-z0-9_-]` }),
  );
}
