import { z } from 'zod';

/**
 * Field rules every resource shares, so a resource's schema imports them from here and never
 * from another resource: one UUID rule, ids in paths, and text PostgreSQL can store.
 */

export const Uuid = z.uuid({ message: 'must be a UUID' });

/** `/things/:id` */
export const IdParams = z.object({ id: Uuid });

/** Text PostgreSQL can store: its text type refuses the NUL character (\u0000). */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
export const STORABLE = /^[^\u0000]*$/;
export const NO_NUL = 'must not contain the NUL character (\\u0000)';
