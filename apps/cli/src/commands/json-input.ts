import { readFileSync } from 'node:fs';
import { CliError } from '../cli-error';

/** A JSON object option (`--data '{"a":1}'`); absent → `{}`. */
export function jsonOption(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'string') return {};
  return parseObject(value, name);
}

/** A JSON object from a file. */
export function jsonFile(path: string, name: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseObject(text, name);
}

function parseObject(text: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}
