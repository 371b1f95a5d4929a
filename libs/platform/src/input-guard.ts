import type { NextFunction, Request, Response } from 'express';
import { FieldError, ValidationProblem } from './problem';
import { sendProblem, toValidationProblemBody } from './problem.filter';

const NUL = '\u0000';
/** Deeper JSON than this is refused: validation and serialization recurse, and nothing Herald takes needs more. */
export const MAX_JSON_DEPTH = 32;

/**
 * The first thing in `value` Herald cannot take, as a field error: a string or key holding a
 * NUL character (PostgreSQL text and jsonb cannot store one, and an event payload with one
 * would otherwise fail at the fan-out), or nesting deeper than MAX_JSON_DEPTH (which would
 * overflow the stack of validation or serialization). The walk itself never goes deeper.
 */
export function findUnsafeJson(value: unknown, path = '', depth = 0, maxDepth = MAX_JSON_DEPTH): FieldError | null {
  const field = path || 'body';
  if (typeof value === 'string') return value.includes(NUL) ? { field, message: 'must not contain the NUL character (\\u0000)' } : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth >= maxDepth) return { field, message: `must not nest deeper than ${maxDepth} levels` };
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes(NUL)) return { field: here, message: 'must not contain the NUL character (\\u0000)' };
    const found = findUnsafeJson(item, here, depth + 1, maxDepth);
    if (found) return found;
  }
  return null;
}

/** Throws a 400 naming the field if `value` holds a NUL character or nests too deep. */
export function assertSafeJson(value: unknown, path = '', maxDepth = MAX_JSON_DEPTH): void {
  const problem = findUnsafeJson(value, path, 0, maxDepth);
  if (problem) throw new ValidationProblem([problem]);
}

/** Express middleware: refuses a request whose path, query or JSON body Herald cannot take (see findUnsafeJson). */
export function inputGuard(req: Request, res: Response, next: NextFunction): void {
  let decodedPath = req.path;
  try {
    decodedPath = decodeURIComponent(req.path);
  } catch {
    // Malformed escapes are the router's to refuse.
  }
  const problem = decodedPath.includes(NUL)
    ? { field: 'path', message: 'must not contain the NUL character (\\u0000)' }
    : (findUnsafeJson(req.query, 'query') ?? findUnsafeJson(req.body as unknown));
  if (!problem) return next();
  sendProblem(res, toValidationProblemBody([problem]));
}
