import { isShardlineError } from '@shardline/errors';
import { RecordLimits } from '@shardline/records';
import { commandMessageOf } from './command-message.parser';

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

function refusal(message: Record<string, unknown>): Array<{ field: string; message: string }> {
  try {
    commandMessageOf(message);
  } catch (error) {
    if (isShardlineError(error) && error.kind === 'validation') return error.details;
    throw error;
  }
  throw new Error('the message was accepted');
}

/** The Kafka command intake refuses what REST refuses, naming the same fields (the schemas are shared). */
describe('Kafka command messages: the input rules of REST', () => {
  const tooDeep = nested(RecordLimits.dataContentMaxDepth + 1);
  const limit = new RegExp(`the limit is ${RecordLimits.dataContentMaxDepth}`);

  it('refuses data_content deeper than the limit in create, update and batch messages', () => {
    expect(refusal({ command_id: 'c1', type: 'create', business_id: 'b', user_id: 1, data_content: tooDeep })).toEqual([{ field: 'data_content', message: expect.stringMatching(limit) }]);
    expect(refusal({ command_id: 'c2', type: 'update', business_id: 'b', id: '1', data_content: tooDeep })).toEqual([{ field: 'data_content', message: expect.stringMatching(limit) }]);
    const batch = { command_id: 'c3', type: 'create_batch', data: [{ business_id: 'b', user_id: 1, data_content: {} }, { business_id: 'b', user_id: 1, data_content: tooDeep }] };
    expect(refusal(batch)).toEqual([{ field: 'data[1].data_content', message: expect.stringMatching(limit) }]);
  });

  it('accepts data_content exactly at the limit', () => {
    expect(commandMessageOf({ command_id: 'c4', type: 'create', business_id: 'b', user_id: 1, data_content: nested(RecordLimits.dataContentMaxDepth) })).toMatchObject({ type: 'create' });
  });

  it('refuses a business_id with control characters', () => {
    expect(refusal({ command_id: 'c5', type: 'create', business_id: 'b\u0000', user_id: 1, data_content: {} })).toEqual([{ field: 'business_id', message: expect.stringMatching(/control characters/) }]);
  });

  it('refuses data_content holding an unpaired surrogate (MariaDB cannot store it), naming data_content', () => {
    expect(refusal({ command_id: 'c6', type: 'create', business_id: 'b', user_id: 1, data_content: { a: '\udfff' } })).toEqual([{ field: 'data_content', message: expect.stringMatching(/unpaired surrogate/) }]);
  });
});
