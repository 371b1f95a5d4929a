import type { SelectQueryBuilder } from 'typeorm';

/** A page request: `limit` 1–250, and the opaque cursor of the previous page. */
export interface PageQuery {
  limit: number;
  cursor?: string;
  /** Also count every row the list's filters match (`?withTotal=true`). */
  withTotal?: boolean;
}

/** A page of a list, newest first (API.md, "Lists"). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
  /** How many rows the filters match in all (asked for with `withTotal`). */
  total?: number;
}

/** Adds `total` to a page when the query asked for it; `count` counts what the filters match, cursor aside. */
export async function withTotal<T>(page: Page<T>, query: PageQuery, count: () => Promise<number>): Promise<Page<T>> {
  return query.withTotal ? { ...page, total: await count() } : page;
}

/** Thrown for a cursor this API did not hand out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API returned');
    this.name = 'InvalidCursorError';
  }
}

// Cursors are the last id of the page: ids are time-sortable, so `id < cursor` stays stable
// while new rows arrive at the head of the list.
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{2,4}_[0-9a-z]{26}$/.test(id)) throw new InvalidCursorError();
  return id;
}

/** Turns `limit + 1` rows fetched newest first into a page. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  return { data, nextCursor: rows.length > limit ? encodeCursor(data[data.length - 1].id) : null };
}

/** A cursor over a `(time, key)` order, for lists whose keys are not time-sortable ids. */
export function encodeTimeCursor(at: Date, key: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), key]), 'utf8').toString('base64url');
}

export function decodeTimeCursor(cursor: string): { at: Date; key: string } {
  try {
    const [at, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof key === 'string' && !Number.isNaN(Date.parse(at))) return { at: new Date(at), key };
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError();
}

/**
 * Pages `query` newest first by `(created_at, <key>)`, for rows whose keys are not time-sortable
 * ids: orders, limits, applies the cursor, and returns the page with the next cursor.
 */
export async function pageByTime<T extends { createdAt: Date }>(
  query: SelectQueryBuilder<T>,
  key: 'id' | 'name',
  page: PageQuery,
): Promise<Page<T>> {
  const alias = query.alias;
  const counting = page.withTotal ? query.clone() : null;
  query
    .orderBy(`${alias}.created_at`, 'DESC')
    .addOrderBy(`${alias}.${key}`, 'DESC')
    .take(page.limit + 1);
  if (page.cursor) {
    const cursor = decodeTimeCursor(page.cursor);
    query.andWhere(`(${alias}.created_at, ${alias}.${key}) < (:cursorAt, :cursorKey)`, { cursorAt: cursor.at, cursorKey: cursor.key });
  }
  const rows = await query.getMany();
  const data = rows.slice(0, page.limit);
  const last = data[data.length - 1] as (T & Record<typeof key, string>) | undefined;
  const result = { data, nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.createdAt, last[key]) : null };
  return counting ? { ...result, total: await counting.getCount() } : result;
}
