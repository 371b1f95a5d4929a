import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { ValidateIf, validateSync } from 'class-validator';
import { FieldError, ValidationProblem } from './problem';

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

/** Validates a plain object against a DTO class exactly as the global pipe does; throws ValidationProblem. */
export function validateDto<T extends object>(cls: new () => T, raw: unknown, field = ''): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationProblem([{ field: field || 'body', message: 'must be a JSON object' }]);
  }
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
