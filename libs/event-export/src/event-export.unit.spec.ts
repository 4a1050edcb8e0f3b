import type { StoredEvent } from '@shardline/event-store';
import { envelopeOf } from '@shardline/integration-events';
import { envelopesOfJsonl, JsonlLineError, jsonlLineOf } from './envelope-jsonl';
import { selects, selectsStoredEvent } from './event-selection';
import { exportEvents } from './export-events';
import { RecordedEventLog, storedEventOfEnvelope } from './jsonl-event-log';

const event = (shard: number, position: number, business: string, version = 1, at = '2026-12-01T10:00:00.000Z'): StoredEvent => ({
  shard,
  position: String(position),
  streamId: `record-${1000 + shard * 100 + position}`,
  streamVersion: version,
  type: version === 1 ? 'RecordCreated' : 'RecordUpdated',
  schemaVersion: 1,
  data: { id: String(1000 + shard * 100 + position), business_id: business, user_id: '7', data_content: { n: position } },
  metadata: { eventId: `e${shard}-${position}`, commandId: `c${position}`, correlationId: 'k', causationId: null, actor: null },
  createdTime: new Date(at),
});

async function* chunked(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('JSONL recordings of envelopes', () => {
  const events = [event(0, 1, 'acme'), event(0, 2, 'globex'), event(1, 1, 'acme', 1, '2026-12-02T00:00:00.000Z')];
  const text = events.map(jsonlLineOf).join('');

  it('reads back exactly the envelopes written, whatever the chunk boundaries', async () => {
    for (const size of [1, 7, 64, text.length]) expect(await all(envelopesOfJsonl(chunked(text, size)))).toEqual(events.map(envelopeOf));
  });

  it('names the line of a bad envelope', async () => {
    await expect(all(envelopesOfJsonl(chunked(`${jsonlLineOf(events[0])}\n{"nope":1}\n`, 5)))).rejects.toEqual(expect.objectContaining({ line: 3 }));
    await expect(all(envelopesOfJsonl(chunked('not json', 3)))).rejects.toBeInstanceOf(JsonlLineError);
  });

  it('turns an envelope back into the stored event it was made from', () => {
    for (const e of events) expect(storedEventOfEnvelope(envelopeOf(e))).toEqual(e);
  });

  it('serves a recording as an event log, per shard in position order', async () => {
    const log = new RecordedEventLog([...events].reverse().map(envelopeOf));
    expect(log.shards()).toEqual([0, 1]);
    expect((await log.readEventsAfter(0, '0', 10)).map((e) => e.position)).toEqual(['1', '2']);
    expect((await log.readEventsAfter(0, '1', 10)).map((e) => e.position)).toEqual(['2']);
    expect(log.countAfter(0, '1')).toBe(1);
    expect(log.stream('record-1001')).toEqual([events[0]]);
  });

  it('selects by business, user and time range, and exports only the selected events', async () => {
    const envelope = envelopeOf(events[2]);
    expect(selects({ businessId: 'acme' }, envelope)).toBe(true);
    expect(selects({ businessId: 'globex' }, envelope)).toBe(false);
    expect(selects({ userId: '8' }, envelope)).toBe(false);
    expect(selects({ since: new Date('2026-12-02T00:00:00Z') }, envelope)).toBe(true);
    expect(selects({ until: new Date('2026-12-02T00:00:00Z') }, envelope)).toBe(false);
    // A stored event is selected exactly as its envelope is.
    for (const selection of [{ businessId: 'acme' }, { businessId: 'globex' }, { userId: '8' }, { since: new Date('2026-12-02T00:00:00Z') }, { until: new Date('2026-12-02T00:00:00Z') }]) {
      for (const e of events) expect(selectsStoredEvent(selection, e)).toBe(selects(selection, envelopeOf(e)));
    }

    const written: string[] = [];
    const totals = await exportEvents(new RecordedEventLog(events.map(envelopeOf)), [0, 1], { businessId: 'acme' }, async (t) => void written.push(t), { batchSize: 1 });
    expect(totals).toEqual({ scanned: 3, exported: 2 });
    expect(written.join('')).toBe(jsonlLineOf(events[0]) + jsonlLineOf(events[2]));
  });
});
