import { z } from 'zod';
import { hasErrorCode, hasErrorKind, InternalError, isRetriable, isShardlineError, NotImplementedError, UnavailableError, validate, ValidationError } from './index';

describe('ShardlineError', () => {
  it('carries code, kind, details and a retriable flag that follows the kind', () => {
    const invalid = new ValidationError([{ field: 'user_id', message: 'must be positive' }]);
    expect(invalid).toMatchObject({ code: 'VALIDATION_FAILED', kind: 'validation', retriable: false, name: 'ValidationError' });
    expect(invalid.details).toEqual([{ field: 'user_id', message: 'must be positive' }]);
    expect(new UnavailableError('SEARCH.UNAVAILABLE', 'down').retriable).toBe(true);
    expect(new InternalError('BUG', 'broke').retriable).toBe(false);
  });

  it('is recognised by its brand, not by instanceof, so copies of the lib in two module registries agree', () => {
    const real = new NotImplementedError('atomic', 'later');
    // What a second copy of the class would produce: same shape and brand, other prototype chain.
    const copy = Object.assign(Object.create(Error.prototype), { code: 'X.Y', kind: 'conflict', [Symbol.for('shardline.error')]: true });
    expect(isShardlineError(real)).toBe(true);
    expect(isShardlineError(copy)).toBe(true);
    expect(isShardlineError(Object.assign(new Error('x'), { code: 'X', kind: 'conflict' }))).toBe(false);
    expect(isShardlineError({ code: 'X', kind: 'no-such-kind', [Symbol.for('shardline.error')]: true })).toBe(false);
  });

  it('guards by kind and code; unknown errors count as retriable', () => {
    const error = new UnavailableError('EVENT_STORE.SHARD_UNAVAILABLE', 'down');
    expect(hasErrorKind(error, 'unavailable')).toBe(true);
    expect(hasErrorKind(error, 'conflict', 'validation')).toBe(false);
    expect(hasErrorCode(error, 'EVENT_STORE.SHARD_UNAVAILABLE')).toBe(true);
    expect(isRetriable(new Error('ECONNRESET'))).toBe(true);
  });
});

describe('validate', () => {
  const schema = z.strictObject({ name: z.string(), items: z.array(z.strictObject({ n: z.number() })) });

  it('names every bad field by its path in the request, unknown keys included', () => {
    expect(() => validate(schema, { name: 1, items: [{ n: 'x' }], extra: true }, 'data[2]')).toThrow(
      expect.objectContaining({
        kind: 'validation',
        details: expect.arrayContaining([
          { field: 'data[2].name', message: expect.any(String) },
          { field: 'data[2].items[0].n', message: expect.any(String) },
          { field: 'data[2].extra', message: 'is not a known field' },
        ]),
      }),
    );
  });

  it('names the body itself when the input is not an object', () => {
    expect(() => validate(schema, 'text')).toThrow(expect.objectContaining({ details: [{ field: '(body)', message: expect.any(String) }] }));
  });

  it('names an unknown field with an empty name as "", not as the body (found by fuzzing: `?=1`)', () => {
    expect(() => validate(z.strictObject({ a: z.string().optional() }), { '': 1 })).toThrow(expect.objectContaining({ details: [{ field: '""', message: 'is not a known field' }] }));
  });
});
