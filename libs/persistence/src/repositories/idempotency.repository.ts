import { Injectable } from '@nestjs/common';
import { secretBox } from '@herald/config';
import { DataSource } from 'typeorm';

/** What a key holds: the request it was first used for and, once answered, that answer. */
export interface IdempotencyRecord {
  requestHash: string;
  status: number | null;
  body: unknown;
}

/**
 * Responses kept for `Idempotency-Key` repeats, per caller (`scope`) and key, for 24 hours.
 * A key is claimed before the request runs, so two concurrent repeats cannot both run it.
 */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Claims the key for this request; returns null if claimed now, else the existing record. */
  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyRecord | null> {
    const rows = await this.dataSource.query<(IdempotencyRecord & { claimed: boolean })[]>(
      `WITH claimed AS (
         INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - interval '24 hours'
         RETURNING 1
       )
       SELECT request_hash AS "requestHash", status, body, EXISTS (SELECT 1 FROM claimed) AS claimed
       FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key, requestHash],
    );
    const row = rows[0];
    if (!row || row.claimed) return null;
    return { requestHash: row.requestHash, status: row.status, body: openBody(row.body) };
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(`UPDATE idempotency_keys SET status = $3, body = $4 WHERE scope = $1 AND key = $2`, [
      scope,
      key,
      status,
      // Kept responses may carry a secret or a token (rotate, create token): sealed like them.
      JSON.stringify({ sealed: secretBox().seal(JSON.stringify(body ?? null)) }),
    ]);
  }

  /** Frees a key whose request failed, so it can be tried again. */
  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL`, [scope, key]);
  }

  /** Forgets keys older than 24 hours. */
  async prune(): Promise<number> {
    const result = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`,
    );
    return result[1] ?? 0;
  }
}

function openBody(stored: unknown): unknown {
  const sealed = (stored as { sealed?: unknown } | null)?.sealed;
  return typeof sealed === 'string' ? (JSON.parse(secretBox().open(sealed)) as unknown) : stored;
}
