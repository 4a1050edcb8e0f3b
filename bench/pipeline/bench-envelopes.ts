import type { RecordEventEnvelope } from '@shardline/integration-events';
import { makeRecord } from '../ingest/workload';

/**
 * The plain (version-1) envelope of bench/ingest's record `i` created as record `id` at
 * `occurredAt`: what the relay publishes once sealed, and what the projector's sinks get once opened.
 */
export function benchEnvelope(i: number, id: string, occurredAt: string): RecordEventEnvelope {
  const record = makeRecord(i, 200);
  const userId = String(record.user_id);
  return {
    envelope_version: 1,
    event_id: `01JBENCH${String(i).padStart(10, '0')}`,
    event_type: 'RecordCreated',
    schema_version: 1,
    stream_id: `${record.business_id}:${id}`,
    stream_version: 1,
    shard: i % 4,
    position: String(1 + i),
    business_id: record.business_id,
    user_id: userId,
    record_id: id,
    occurred_at: occurredAt,
    command_id: `cmd-${i}`,
    correlation_id: `corr-${i}`,
    causation_id: null,
    actor: 'bench',
    data: { id, business_id: record.business_id, user_id: userId, data_content: record.data_content },
  };
}
