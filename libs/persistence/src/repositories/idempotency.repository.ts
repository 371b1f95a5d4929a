import { Injectable } from '@nestjs/common';
import { secretBox } from '@herald/config';
import { DataSource } from 'typeorm';

/** What a key holds: the request it was first used for and, once answered, that answer. */
export interface IdempotencyRecord {
  requestHash: string;
  status: number | null;
  body: unknown;
}

/** How long an uncompleted claim holds its key (longer than any request runs). */
const LEASE = '5 minutes';

/**
 * Responses kept for `Idempotency-Key` repeats, per caller (`scope`) and key, for 24 hours.
 * A key is claimed before the request runs, so two concurrent repeats cannot both run it.
 */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims the key for this request; returns null if claimed now, else the existing record. A
   * key older than 24 hours, or claimed over LEASE ago and never completed (its request died
   * with its process), is taken over. Each statement commits on its own, so a concurrent repeat
   * sees the claim and gets the unfinished record (status null).
   */
  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyRecord | null> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const claimed = await this.dataSource.query<unknown[]>(
        `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - interval '24 hours'
              OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - interval '${LEASE}')
         RETURNING 1`,
        [scope, key, requestHash],
      );
      if (claimed.length > 0) return null;
      const rows = await this.dataSource.query<IdempotencyRecord[]>(
        `SELECT request_hash AS "requestHash", status, body FROM idempotency_keys WHERE scope = $1 AND key = $2`,
        [scope, key],
      );
      // Gone in between (the first request failed and released it): try to claim it again.
      if (rows[0]) return { requestHash: rows[0].requestHash, status: rows[0].status, body: openBody(rows[0].body) };
    }
    throw new Error(`could not claim idempotency key ${key}`);
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
