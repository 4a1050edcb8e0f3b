import { InternalError, ValidationError } from '@shardline/errors';
import { fromReadModel } from './read-model.errors';

describe('fromReadModel', () => {
  it('passes kinded errors through unchanged', async () => {
    const invalid = new ValidationError([{ field: 'search_after', message: 'not a cursor' }], 'SEARCH.INVALID_QUERY');
    await expect(fromReadModel('SEARCH.UNAVAILABLE', () => Promise.reject(invalid))).rejects.toBe(invalid);
    const bug = new InternalError('SQL.INVALID_LITERAL', 'unvalidated value');
    await expect(fromReadModel('ANALYTICS.UNAVAILABLE', () => Promise.reject(bug))).rejects.toBe(bug);
  });

  it('answers anything else from the engine as unavailable with the given code, keeping the cause', async () => {
    const down = new Error('connect ECONNREFUSED 127.0.0.1:8123');
    await expect(fromReadModel('ANALYTICS.UNAVAILABLE', () => Promise.reject(down))).rejects.toMatchObject({
      code: 'ANALYTICS.UNAVAILABLE',
      kind: 'unavailable',
      retriable: true,
      message: 'read model unavailable: connect ECONNREFUSED 127.0.0.1:8123',
      cause: down,
    });
  });
});
