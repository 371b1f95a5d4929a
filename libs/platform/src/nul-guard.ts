import type { NextFunction, Request, Response } from 'express';
import { ValidationProblem } from './problem';
import { sendProblem, toValidationProblemBody } from './problem.filter';

const NUL = '\u0000';
const MAX_DEPTH = 64;

/**
 * The path (`payload.name`, `events.0`) of the first string or key holding a NUL character, or
 * null. PostgreSQL text and jsonb cannot store NUL, so such input is refused at the door instead
 * of failing later (a NUL in an event payload would otherwise poison the fan-out).
 */
export function findNul(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path || 'body' : null;
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes(NUL)) return here;
    const found = findNul(item, here, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Throws a 400 naming the field if `value` holds a NUL character anywhere. */
export function assertNoNul(value: unknown, path = ''): void {
  const field = findNul(value, path);
  if (field) throw new ValidationProblem([{ field, message: 'must not contain the NUL character (\\u0000)' }]);
}

/** Express middleware: refuses a request whose path, query or JSON body holds a NUL character. */
export function nulGuard(req: Request, res: Response, next: NextFunction): void {
  let decodedPath = req.path;
  try {
    decodedPath = decodeURIComponent(req.path);
  } catch {
    // Malformed escapes are the router's to refuse.
  }
  const field = decodedPath.includes(NUL) ? 'path' : (findNul(req.query, 'query') ?? findNul(req.body as unknown));
  if (!field) return next();
  sendProblem(res, toValidationProblemBody([{ field, message: 'must not contain the NUL character (\\u0000)' }]));
}
