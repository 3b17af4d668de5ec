import { z } from 'zod';
import { BadRequestError } from './errors';
import { Uuid } from './fields';

/** How many items one page holds unless the caller asks (`limit`, or `first` in GraphQL), and at most. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Keyset cursor over (created_at DESC, id DESC): stable under inserts, O(1) per page. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

/** The timestamps this API writes into cursors (`Date#toISOString` of a row), and only those. */
const ISSUED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every cursor this API issues: base64url of a 24-character timestamp, `|` and a UUID. */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{82}$/;

/** `?limit=&cursor=` of every list. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().regex(CURSOR_PATTERN, 'must be the `nextCursor` of a previous page').optional(),
});

export function encodeCursor(row: { createdAt: string; id: string }): string {
  return Buffer.from(`${row.createdAt}|${row.id}`, 'utf8').toString('base64url');
}

/**
 * The position a cursor names. Anything but a cursor this API issued is a 400: the timestamp must be
 * one `toISOString` writes (years 0000–9999, which PostgreSQL stores; a date JavaScript accepts
 * but PostgreSQL cannot, such as year -200000, would otherwise fail the query).
 */
export function decodeCursor(cursor: string): Cursor {
  const [createdAt = '', id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt);
  const issued = ISSUED_TIME.test(createdAt) && !Number.isNaN(date.getTime()) && date.toISOString() === createdAt;
  if (rest.length > 0 || !id || !Uuid.safeParse(id).success || !issued) {
    throw new BadRequestError('The `cursor` is not one this API issued; pass the `nextCursor` of the previous page.', 'invalid_cursor');
  }
  return { createdAt: date, id };
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Takes `limit + 1` rows and turns the extra one into the next cursor. */
export function toPage<T extends { createdAt: string; id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** The Prisma `where` for the rows after `cursor` in (created_at DESC, id DESC) order. */
export function afterCursor(cursor: Cursor | undefined) {
  return cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {};
}
