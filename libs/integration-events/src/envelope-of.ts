import type { StoredEvent } from '@shardline/event-store';
import { ENVELOPE_VERSION, SEALED_ENVELOPE_VERSION, type RecordEventEnvelope } from './record-event-envelope';
import { isSealedData } from './sealed-envelope';

/**
 * Wraps a stored record event in the Kafka envelope. The relay and the rebuild (which replays
 * the event tables directly) both go through here, so a replayed event is byte-for-byte the
 * event the live projection saw. Record events carry id, business_id and user_id in their data.
 */
export function envelopeOf(event: StoredEvent): RecordEventEnvelope {
  const data = event.data as Record<string, unknown>;
  return {
    // A payload sealed when it was written travels sealed: the envelope says so (version 2).
    envelope_version: isSealedData(data) ? SEALED_ENVELOPE_VERSION : ENVELOPE_VERSION,
    event_id: event.metadata.eventId,
    event_type: event.type,
    schema_version: event.schemaVersion,
    stream_id: event.streamId,
    stream_version: event.streamVersion,
    shard: event.shard,
    position: event.position,
    business_id: String(data.business_id),
    user_id: String(data.user_id),
    record_id: String(data.id),
    occurred_at: event.createdTime.toISOString(),
    command_id: event.metadata.commandId,
    correlation_id: event.metadata.correlationId,
    causation_id: event.metadata.causationId,
    actor: event.metadata.actor,
    data,
  };
}
