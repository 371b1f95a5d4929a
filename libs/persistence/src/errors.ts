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
