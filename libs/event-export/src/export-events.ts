import type { EventLogReader } from '@shardline/event-store';
import { envelopeOf } from '@shardline/integration-events';
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
 * tables are read, not Kafka: a recording holds exactly what the event store holds. The next page
 * is already being read while a page is encoded and written, so the database's work and this
 * process's overlap (on two cores, each has one).
 */
export async function exportEvents(reader: EventLogReader, shards: readonly number[], selection: EventSelection, write: (text: string) => Promise<void>, options: ExportOptions = {}): Promise<{ scanned: number; exported: number }> {
  const batchSize = options.batchSize ?? 5_000;
  const totals = { scanned: 0, exported: 0 };
  const filtered = selection.businessId !== undefined || selection.userId !== undefined || selection.since !== undefined || selection.until !== undefined;
  for (const shard of shards) {
    if (selection.shards && !selection.shards.includes(shard)) continue;
    let next = reader.readEventsAfter(shard, options.after?.get(shard) ?? '0', batchSize);
    for (;;) {
      const events = await next;
      if (events.length === 0) break;
      const after = events[events.length - 1].position;
      // A short page is the last one: no read ahead past the end.
      next = events.length < batchSize ? Promise.resolve([]) : reader.readEventsAfter(shard, after, batchSize);
      // Keep a read-ahead that fails while this page is written from being reported as unhandled: it is awaited next.
      next.catch(() => {});
      let text = '';
      let exported = 0;
      for (const event of events) {
        const envelope = envelopeOf(event);
        if (filtered && !selects(selection, envelope)) continue;
        // encodeEnvelope's text, without its Buffer (jsonlLineOf: the same bytes).
        text += `${JSON.stringify(envelope)}\n`;
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
