import { z } from 'zod';
import { BadRequestError, NotFoundError, ValidationError } from '../src/core/errors';
import { connection, existing, id, loaderById, page, parse, perContainer, perRequest, present } from '../src/graphql/common';
import type { GraphQLContext } from '../src/graphql/context';
import { signUp } from './helpers/factories';
import { useApp } from './helpers/lifecycle';

/** What every module of src/graphql/resources/ builds on, so a project's resources can rely on it. */
describe('GraphQL resource helpers (src/graphql/common.ts)', () => {
  const app = useApp();

  it('checks arguments with a core schema, naming each bad field under its argument', () => {
    const schema = z.object({ title: z.string().min(1, 'must not be empty') });
    expect(parse(schema, { title: 'Hi' }, 'input')).toEqual({ title: 'Hi' });
    expect(() => parse(schema, { title: '' }, 'input')).toThrow(ValidationError);
    try {
      parse(schema, { title: '' }, 'input');
    } catch (error) {
      expect((error as ValidationError).errors).toEqual([{ field: 'input.title', message: 'must not be empty' }]);
    }
  });

  it('drops the nulls GraphQL sends for input fields left empty', () => {
    expect(present({ title: 'Hi', summary: null, rank: 0 })).toEqual({ title: 'Hi', rank: 0 });
  });

  it('refuses an id that is not a UUID, naming the argument', () => {
    expect(id('00000000-0000-4000-8000-000000000000')).toBe('00000000-0000-4000-8000-000000000000');
    expect(() => id('42', 'tagId')).toThrow('`tagId` must be a UUID.');
  });

  it('checks page sizes and cursors', () => {
    expect(page(undefined, null)).toEqual({ first: 20 });
    expect(() => page(0, null)).toThrow(ValidationError);
    expect(() => page(101, null)).toThrow(ValidationError);
    expect(() => page(5, 'not-a-cursor')).toThrow(BadRequestError);
  });

  it('builds a connection from first + 1 rows, with the cursor of the last row shown', () => {
    const rows = [3, 2, 1].map((n) => ({ id: `00000000-0000-4000-8000-00000000000${n}`, createdAt: `2026-01-0${n}T00:00:00.000Z` }));
    const more = connection(rows, 2);
    expect(more.nodes).toEqual(rows.slice(0, 2));
    expect(more.pageInfo).toEqual({ hasNextPage: true, endCursor: more.edges[1]?.cursor });
    expect(page(2, more.pageInfo.endCursor)).toEqual({ first: 2, after: more.pageInfo.endCursor });
    expect(connection(rows, 3).pageInfo.hasNextPage).toBe(false);
    expect(connection([], 3).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it('turns a missing row into NOT_FOUND naming what is missing', async () => {
    await expect(existing(Promise.resolve({ id: 'x' }), 'tag', 'x')).resolves.toEqual({ id: 'x' });
    await expect(existing(Promise.resolve(null), 'tag', 'x')).rejects.toThrow(NotFoundError);
    await expect(existing(Promise.resolve(null), 'tag', 'x')).rejects.toMatchObject({ code: 'tag_not_found' });
  });

  it('batches the lookups of one request into one query, and keeps nothing between requests', async () => {
    const ada = await signUp(app().api, { name: 'Ada' });
    const bob = await signUp(app().api, { name: 'Bob' });
    const batches: string[][] = [];
    const users = loaderById((container, ids) => {
      batches.push([...ids]);
      return container.users.getMany(ids);
    });
    const request = { container: app().container } as GraphQLContext;
    const loaded = await Promise.all([users(request).load(ada.id), users(request).load(bob.id), users(request).load(ada.id)]);
    expect(loaded.map((user) => user?.name)).toEqual(['Ada', 'Bob', 'Ada']);
    expect(await users(request).load('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(batches).toEqual([[ada.id, bob.id], ['00000000-0000-4000-8000-000000000000']]);

    const next = { container: app().container } as GraphQLContext;
    expect(users(next)).not.toBe(users(request));
    const service = perContainer((container) => ({ container }));
    expect(service(app().container)).toBe(service(app().container));
    const memo = perRequest(() => ({}));
    expect(memo(request)).toBe(memo(request));
    expect(memo(next)).not.toBe(memo(request));
  });
});
