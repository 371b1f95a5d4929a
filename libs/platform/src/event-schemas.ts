import { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { FieldError } from './problem';

/** The largest JSON Schema an event type may carry, serialized. */
export const MAX_SCHEMA_BYTES = 64 * 1024;
const MAX_REPORTED_ERRORS = 20;

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
addFormats(ajv);

/** Why a schema was refused. */
export class InvalidSchemaError extends Error {}

/** Compiles an event type's JSON Schema (draft 2020-12); throws InvalidSchemaError if it is not one. */
export function compileEventSchema(schema: object): ValidateFunction {
  if (Buffer.byteLength(JSON.stringify(schema)) > MAX_SCHEMA_BYTES) {
    throw new InvalidSchemaError(`schema must be at most ${MAX_SCHEMA_BYTES} bytes`);
  }
  try {
    // A schema's $id would register it globally; compile a copy without one.
    const { $id: _ignored, ...rest } = schema as Record<string, unknown>;
    return ajv.compile(rest);
  } catch (error) {
    throw new InvalidSchemaError(`not a valid JSON Schema: ${(error as Error).message}`);
  }
}

/** A payload's schema violations as field errors: `payload/<json pointer>`. */
export function schemaViolations(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).slice(0, MAX_REPORTED_ERRORS).map((error) => ({
    field: `payload${error.instancePath}`,
    message: `${error.message ?? 'is invalid'}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`,
  }));
}
