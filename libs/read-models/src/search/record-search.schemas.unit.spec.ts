import { validate } from '@shardline/errors';
import { recordSearchQuerySchema } from './record-search.schemas';

describe('search query schema', () => {
  it('applies defaults and turns a numeric user id into its decimal string', () => {
    expect(validate(recordSearchQuerySchema, { keyword: ' phoenix ', user_id: 7 })).toEqual({ keyword: 'phoenix', user_id: '7', sort: 'created_time_desc', page_size: 20 });
  });

  it.each([
    [{ page_size: 101 }, 'page_size'],
    [{ date_range: { from: '2026-02-01', to: '2026-01-01' } }, 'date_range.to'],
    [{ sort: 'relevance' }, 'sort'],
    [{ color: 'red' }, 'color'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => validate(recordSearchQuerySchema, input)).toThrow(expect.objectContaining({ kind: 'validation', details: [expect.objectContaining({ field })] }));
  });
});
