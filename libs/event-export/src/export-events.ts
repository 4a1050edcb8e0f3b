import type { EventLogReader } from '@shardline/event-store';
import { encodeEnvelope, envelopeOf } from '@shardline/integration-events';
import { type EventSelection, selects } from './event-selection';

export interface ExportOptions {
  /** Events read per query (keyset page). */
  batchSize?: number;
  /** Resume: the last position already exported, per shard. */
  after?: ReadonlyMap<number, string>;
  /** After each page: where the export stands (for a progress bar or a checkpoint). */
  onPage?: (page: { shard: number; position: string; scanned: number; exported: number }) => void | Promise<void>;
}

/**
 * Writes the selected events of `shards`, shard after shard in position order, as JSONL envelopes
 * (see envelope-jsonl.ts). One `write` per page keeps the file writes few and large. The event
 * tables are read, not Kafka: a recording holds exactly what the event store holds.
 */
export async function exportEvents(reader: EventLogReader, shards: readonly number[], selection: EventSelection, write: (text: string) => Promise<void>, options: ExportOptions = {}): Promise<{ scanned: number; exported: number }> {
  const batchSize = options.batchSize ?? 5_000;
  const totals = { scanned: 0, exported: 0 };
  for (const shard of shards) {
    if (selection.shards && !selection.shards.includes(shard)) continue;
    for (let after = options.after?.get(shard) ?? '0'; ; ) {
      const events = await reader.readEventsAfter(shard, after, batchSize);
      if (events.length === 0) break;
      after = events[events.length - 1].position;
      let text = '';
      let exported = 0;
      for (const event of events) {
        const envelope = envelopeOf(event);
        if (!selects(selection, envelope)) continue;
        text += `${encodeEnvelope(envelope).toString('utf8')}\n`;
        exported++;
      }
      if (text) await write(text);
      totals.scanned += events.length;
      totals.exported += exported;
      await options.onPage?.({ shard, position: after, scanned: events.length, exported });
    }
  }
  return totals;
}
