import { ConflictError, fieldErrors, isUnavailable, toProblem } from '../src/core/errors';
import { decodeCursor, encodeCursor, toPage } from '../src/core/pagination';

describe('toProblem', () => {
  it('keeps the status, code and message of a known error', () => {
    expect(toProblem(new ConflictError('taken', 'email_taken'), false)).toMatchObject({
      status: 409,
      code: 'email_taken',
      detail: 'taken',
      title: 'Conflict',
      type: 'urn:problem-type:email_taken',
    });
  });

  it('masks an unexpected error outside development and shows it in development', () => {
    const boom = new Error('secret internals');
    expect(toProblem(boom, false)).toMatchObject({ status: 500, detail: 'An unexpected error occurred.' });
    expect(toProblem(boom, true).detail).toContain('secret internals');
  });

  it('turns an unreachable dependency, however deeply wrapped, into a 503', () => {
    const wrapped = new Error('query failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(isUnavailable(wrapped)).toBe(true);
    expect(toProblem(wrapped, false).status).toBe(503);
    expect(isUnavailable(new Error('syntax error at or near'))).toBe(false);
    expect(isUnavailable(null)).toBe(false);
  });
});

describe('fieldErrors', () => {
  it('names nested fields by path and the whole body when the path is empty', () => {
    expect(
      fieldErrors(
        [
          { path: ['author', 'name'], message: 'required' },
          { path: [], message: 'expected object' },
        ],
        'body',
      ),
    ).toEqual([
      { field: 'author.name', message: 'required' },
      { field: 'body', message: 'expected object' },
    ]);
  });
});

describe('cursor pagination', () => {
  const row = { createdAt: '2026-01-02T03:04:05.678Z', id: '7f2c1d3e-9a4b-4c5d-8e6f-0a1b2c3d4e5f' };

  it('round-trips a cursor', () => {
    const cursor = decodeCursor(encodeCursor(row));
    expect(cursor.id).toBe(row.id);
    expect(cursor.createdAt.toISOString()).toBe(row.createdAt);
  });

  it('refuses cursors it did not issue', () => {
    for (const bad of ['', 'bm90LWEtY3Vyc29y', Buffer.from('2026-01-01|not-a-uuid').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(/cursor/);
    }
  });

  it('issues a next cursor only when there is a further row', () => {
    expect(toPage([row], 1).nextCursor).toBeNull();
    expect(toPage([row, { ...row, id: 'b' }], 1).nextCursor).toBe(encodeCursor(row));
  });
});
