import type { EventLogReader, StoredEvent } from '@shardline/event-store';
import type { RecordEventEnvelope } from '@shardline/integration-events';

/** The stored event an envelope was made from (envelopeOf's inverse): what a recording gives back to an event log. */
export function storedEventOfEnvelope(envelope: RecordEventEnvelope): StoredEvent {
  return {
    shard: envelope.shard,
    position: envelope.position,
    streamId: envelope.stream_id,
    streamVersion: envelope.stream_version,
    type: envelope.event_type,
    schemaVersion: envelope.schema_version,
    data: envelope.data,
    metadata: {
      eventId: envelope.event_id,
      commandId: envelope.command_id,
      correlationId: envelope.correlation_id,
      causationId: envelope.causation_id,
      actor: envelope.actor,
    },
    createdTime: new Date(envelope.occurred_at),
  } as StoredEvent;
}

/**
 * A recording imported as an event log (the EventLogReader port): a test replays it into any
 * projection exactly as the rebuild replays the event store's tables.
 */
export class RecordedEventLog implements EventLogReader {
  private readonly byShard = new Map<number, StoredEvent[]>();

  constructor(envelopes: Iterable<RecordEventEnvelope>) {
    for (const envelope of envelopes) {
      const events = this.byShard.get(envelope.shard) ?? [];
      events.push(storedEventOfEnvelope(envelope));
      this.byShard.set(envelope.shard, events);
    }
    for (const events of this.byShard.values()) events.sort((a, b) => compare(a.position, b.position));
  }

  static async of(envelopes: AsyncIterable<RecordEventEnvelope>): Promise<RecordedEventLog> {
    const all: RecordEventEnvelope[] = [];
    for await (const envelope of envelopes) all.push(envelope);
    return new RecordedEventLog(all);
  }

  shards(): number[] {
    return [...this.byShard.keys()].sort((a, b) => a - b);
  }

  /** Every event of a stream in version order (a decider's history, a test's given). */
  stream(streamId: string): StoredEvent[] {
    return [...this.byShard.values()].flatMap((events) => events.filter((e) => e.streamId === streamId)).sort((a, b) => a.streamVersion - b.streamVersion);
  }

  /** Events of `shard` after `afterPosition`. */
  countAfter(shard: number, afterPosition: string): number {
    const events = this.byShard.get(shard) ?? [];
    return events.length - firstAfter(events, afterPosition);
  }

  /** The port's paging, validated as MySQL's reader validates it (held by the event-log-reader contract). */
  async readEventsAfter(shard: number, afterPosition: string, limit: number): Promise<StoredEvent[]> {
    if (!POSITION.test(afterPosition)) throw new RangeError(`afterPosition must be a decimal position, got ${afterPosition}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const events = this.byShard.get(shard) ?? [];
    const start = firstAfter(events, afterPosition);
    return events.slice(start, start + limit);
  }
}

const POSITION = /^[0-9]{1,20}$/;

/** Index of the first event with position > `after` (binary search: a replay pages through millions). */
function firstAfter(events: readonly StoredEvent[], after: string): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(events[mid].position, after) > 0) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Positions are decimal strings of up to 20 digits without leading zeros: compare them as numbers. */
function compare(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
