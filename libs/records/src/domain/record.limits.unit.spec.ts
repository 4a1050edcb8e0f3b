import { isShardlineError } from '@shardline/errors';
import { newRecordSchema, patchSchema } from './record.schemas';
import { assertDataContentWellFormed, illFormedStringPath } from './record.limits';

/**
 * Found by fuzzing: a lone surrogate anywhere in data_content (`"\udfff"` is valid JSON text) was
 * accepted, then refused by MariaDB's JSON_VALID at insert: 500 INTERNAL. Refused up front now.
 */
describe('data_content holds well-formed Unicode only', () => {
  it.each([
    [{ a: '\udfff' }, '.a'],
    [{ a: ['ok', { b: 'x\ud800' }] }, '.a[1].b'],
    [{ ['k\udfff']: 1 }, ' (a key)'],
    [{ a: '\udfff\ud800' }, '.a'], // a pair in the wrong order is two lone halves
  ])('finds the unpaired surrogate in %j at %s', (value, path) => {
    expect(illFormedStringPath(value)).toBe(path);
  });

  it('accepts paired surrogates (emoji) and ordinary text', () => {
    expect(illFormedStringPath({ a: '🙂', b: ['é', { c: '\u0000' }] })).toBeUndefined();
  });

  it('refuses it in a new record, a merge patch and a decision, naming data_content', () => {
    const create = newRecordSchema.safeParse({ business_id: 'b', user_id: 1, data_content: { note: 'x\udfff' } });
    expect(create.error?.issues).toEqual([expect.objectContaining({ path: ['data_content'], message: expect.stringMatching(/unpaired surrogate.*data_content\.note/) })]);
    expect(patchSchema.safeParse({ data_content: { ['\ud800']: 1 } }).success).toBe(false);
    let thrown: unknown;
    try {
      assertDataContentWellFormed({ a: '\ud800' });
    } catch (error) {
      thrown = error;
    }
    expect(isShardlineError(thrown) && thrown.details).toEqual([{ field: 'data_content', message: expect.stringMatching(/unpaired surrogate/) }]);
  });
});
