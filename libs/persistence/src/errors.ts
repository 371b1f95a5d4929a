/** A unique constraint refused a write (e.g. an app `uid` already taken). */
export class UniqueViolationError extends Error {
  constructor(readonly constraint: string | undefined) {
    super(`unique constraint ${constraint ?? ''} violated`);
    this.name = 'UniqueViolationError';
  }
}

/** Maps a pg driver error to a typed one where Herald reacts to it; rethrows the rest. */
export function rethrowTyped(error: unknown): never {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? error;
  const { code, constraint } = driverError as { code?: string; constraint?: string };
  if (code === '23505') throw new UniqueViolationError(constraint);
  throw error;
}

/** True when PostgreSQL refused the data itself (class 22 data exception, 54 limit exceeded): retrying cannot help. */
export function isDataError(error: unknown): boolean {
  const driverError = (error as { driverError?: unknown }).driverError ?? error;
  const { code } = (driverError ?? {}) as { code?: string };
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

/** True for a failure to reach PostgreSQL (connection refused, dropped or timed out): worth retrying. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const driverError = (error as { driverError?: unknown }).driverError ?? error;
  const { code, message } = (driverError ?? {}) as { code?: string; message?: string };
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET'].includes(code)))
    return true;
  return /Connection terminated|terminating connection|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET/.test(message ?? '');
}
