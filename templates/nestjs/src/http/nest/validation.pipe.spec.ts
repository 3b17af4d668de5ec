import { z } from 'zod';
import { ValidationError } from '../../core/errors';
import { SchemaValidationPipe } from './validation.pipe';

const pipe = new SchemaValidationPipe();
const Body = z.object({ title: z.string().trim().min(1, 'must not be empty'), tags: z.array(z.string()).optional() });

describe('SchemaValidationPipe', () => {
  it('returns the parsed value (trimmed, defaults applied)', async () => {
    await expect(pipe.transform({ title: '  Hello ' }, { type: 'body', schema: Body })).resolves.toEqual({ title: 'Hello' });
  });

  it('leaves parameters without a schema alone', async () => {
    const value = { anything: true };
    await expect(pipe.transform(value, { type: 'custom' })).resolves.toBe(value);
  });

  it('names each bad field', async () => {
    const error = await pipe.transform({ title: '', tags: [1] }, { type: 'body', schema: Body }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([
      { field: 'title', message: 'must not be empty' },
      expect.objectContaining({ field: 'tags.0' }),
    ]);
  });

  it.each([
    ['body', 'body'],
    ['query', 'querystring'],
    ['param', 'params'],
  ] as const)('names the %s as the contract does when the whole of it is wrong', async (type, location) => {
    const error = (await pipe.transform(undefined, { type, schema: Body }).catch((caught: unknown) => caught)) as ValidationError;
    expect(error.errors?.[0]?.field).toBe(location);
    expect(error.message).toBe(`The request ${location} has invalid fields; see \`errors\`.`);
  });
});
