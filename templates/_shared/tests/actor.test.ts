import { UnauthorizedError } from '../src/core/errors';
import { runInRequest, type RequestContext } from '../src/core/request-context';
import { actorId, resolveActor } from '../src/http/actor';
import { signUp } from './helpers/factories';
import { useApp } from './helpers/lifecycle';

const NOBODY = '00000000-0000-4000-8000-000000000000';

/** Who acts on a write without accounts: the user named in X-User-Id, as every write of a resource asks. */
describe('the acting user (X-User-Id)', () => {
  const app = useApp();

  it('is the existing user the header names, and is recorded on the request for its logs', async () => {
    const member = await signUp(app().api);
    const request: RequestContext = { requestId: 'r-1' };
    const actor = await runInRequest(request, () => resolveActor(app().container, { 'x-user-id': [member.id] }, 'user'));
    expect(actor).toEqual({ userId: member.id });
    expect(actorId(actor)).toBe(member.id);
    expect(request.userId).toBe(member.id);
  });

  it('is required for writes and optional for reads', async () => {
    await expect(resolveActor(app().container, {}, 'user')).rejects.toMatchObject({ status: 400, code: 'actor_required' });
    const anonymous = await resolveActor(app().container, {}, 'optional');
    expect(anonymous).toEqual({});
    expect(() => actorId(anonymous)).toThrow(UnauthorizedError);
  });

  it('must name an existing user by id', async () => {
    for (const header of ['42', NOBODY]) {
      await expect(resolveActor(app().container, { 'x-user-id': header }, 'optional')).rejects.toMatchObject({
        status: 400,
        code: 'unknown_actor',
      });
    }
  });
});
