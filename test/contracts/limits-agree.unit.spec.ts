import { characterCount, ENVELOPE_LIMITS, recordEventEnvelopeSchema } from '@shardline/integration-events';
import { mapBatch } from '@shardline/projection-clickhouse';
import { businessIdSchema, RecordLimits } from '@shardline/records';

/**
 * Integrity issue, fault 7: the write side and a read model disagreed on what is valid (a
 * business_id of 33 emoji was acknowledged, indexed in Elasticsearch, and dead-lettered by the
 * ClickHouse projection, which counted UTF-16 units). One definition, counted the same way
 * everywhere: characters (code points), as MySQL's utf8mb4 VARCHAR counts them.
 */
describe('every layer counts the same limits the same way', () => {
  const emoji = (n: number) => '🙂'.repeat(n);

  it('the records domain and the envelope share the business_id limit', () => {
    expect(RecordLimits.businessIdMaxLength).toBe(ENVELOPE_LIMITS.businessIdMaxChars);
    expect(characterCount(emoji(33))).toBe(33);
  });

  it.each([
    ['33 emoji (66 UTF-16 units)', emoji(33), true],
    ['64 emoji', emoji(64), true],
    ['65 emoji', emoji(65), false],
    ['64 ASCII', 'a'.repeat(64), true],
    ['65 ASCII', 'a'.repeat(65), false],
  ])('%s: the API, the envelope and the ClickHouse rows agree', (_, businessId, valid) => {
    expect(businessIdSchema.safeParse(businessId).success).toBe(valid);
    const envelope = {
      envelope_version: 1,
      event_id: 'e1',
      event_type: 'RecordCreated',
      schema_version: 1,
      stream_id: 'record-383188219820244992',
      stream_version: 1,
      shard: 0,
      position: '1',
      business_id: businessId,
      user_id: '1',
      record_id: '383188219820244992',
      occurred_at: '2026-11-23T09:33:10.898Z',
      command_id: 'c',
      correlation_id: 'k',
      causation_id: null,
      actor: null,
      data: { id: '383188219820244992', business_id: businessId, user_id: '1', data_content: {}, created_time: '2026-11-23T09:33:10.898Z' },
    };
    expect(recordEventEnvelopeSchema.safeParse(envelope).success).toBe(valid);
    if (valid) expect(mapBatch([envelope as never]).rejected).toEqual([]);
  });
});
