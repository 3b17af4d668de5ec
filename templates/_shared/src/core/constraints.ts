import { ConflictError, ValidationError } from './errors';

/** The constraints of one table a client's write can break, by the name PostgreSQL gives them. */
export interface Constraints {
  /** Unique index → the request field it keeps unique. */
  unique?: Record<string, string>;
  /** Foreign key → the request field that references a row, and what that row is. */
  references?: Record<string, { field: string; target: string }>;
}

interface DriverError {
  code?: unknown;
  meta?: { driverAdapterError?: { cause?: { constraint?: { index?: unknown } } } };
}

/** The name of the constraint a failed write broke (Prisma P2002 or P2003), if that is what failed. */
function broken(error: unknown): { code: string; name: string } | undefined {
  const err = error as DriverError | null;
  const code = err?.code;
  const name = err?.meta?.driverAdapterError?.cause?.constraint?.index;
  return (code === 'P2002' || code === 'P2003') && typeof name === 'string' ? { code, name } : undefined;
}

/**
 * The client's error for a write that broke one of `constraints`: 409 naming the field of a
 * unique value already taken, 400 naming the field that references a row that does not exist.
 * Any other error comes back as it is, for the caller to rethrow.
 */
export function constraintError(error: unknown, constraints: Constraints): unknown {
  const hit = broken(error);
  if (!hit) return error;
  const unique = constraints.unique?.[hit.name];
  if (hit.code === 'P2002' && unique) {
    return new ConflictError(`Another item already has this \`${unique}\`; choose another value.`, `${unique}_taken`);
  }
  const reference = constraints.references?.[hit.name];
  if (hit.code === 'P2003' && reference) {
    return new ValidationError([{ field: reference.field, message: `must be the id of an existing ${reference.target}` }]);
  }
  return error;
}
