import { ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

const MAX_ENTRIES = 64;
const MAX_KEY = 128;
const MAX_VALUE = 1024;

/** A flat `{string: string}` map of bounded size (metadata). */
@ValidatorConstraint({ name: 'isStringMap' })
export class IsStringMap implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return (
      entries.length <= MAX_ENTRIES &&
      entries.every(([key, v]) => key.length > 0 && key.length <= MAX_KEY && typeof v === 'string' && v.length <= MAX_VALUE)
    );
  }

  defaultMessage(): string {
    return `must map at most ${MAX_ENTRIES} keys (1-${MAX_KEY} chars) to strings of at most ${MAX_VALUE} chars`;
  }
}
