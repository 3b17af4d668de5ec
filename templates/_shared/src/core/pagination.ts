import { BadRequestError } from './errors';

/** How many items one page holds unless the caller asks (`limit`, or `first` in GraphQL), and at most. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Keyset cursor over (created_at DESC, id DESC): stable under inserts, O(1) per page. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(row: { createdAt: string; id: string }): string {
  return Buffer.from(`${row.createdAt}|${row.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Cursor {
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt ?? '');
  if (rest.length > 0 || !id || !UUID.test(id) || Number.isNaN(date.getTime())) {
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
