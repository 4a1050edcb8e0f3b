import { exportEvents, importRecording, JsonlLineError, RecordingImportError } from '@shardline/event-export';
import { InMemoryEventStore } from '@shardline/event-store';
import { CreateRecord, DeleteRecord, InMemoryRecordState, type RecordStateChange, UpdateRecord } from '@shardline/records';
import { ctx, recordsInMemory } from '../../libs/records/src/testing/in-memory-records.spec-helper';

/** Some traffic through the real command handlers (4 in-memory shards), exported as the CLI exports it. */
async function recordedTraffic() {
  // Every recordsInMemory() mints ids as Snowflake worker 3 from sequence 0: a millisecond apart, two traffics never share an id.
  await new Promise((resolve) => setTimeout(resolve, 2));
  const h = recordsInMemory();
  const ids: Array<{ business: string; id: string }> = [];
  for (let i = 0; i < 8; i++) {
    const business = ['acme', 'globex', 'initech'][i % 3];
    const { response } = await h.create.execute(new CreateRecord({ businessId: business, userId: String(10 + i), dataContent: { n: i } }, ctx()));
    ids.push({ business, id: response.id });
  }
  await h.update.execute(new UpdateRecord({ businessId: ids[0].business, recordId: ids[0].id, patch: { touched: true } }, ctx()));
  await h.remove.execute(new DeleteRecord({ businessId: ids[1].business, recordId: ids[1].id }, ctx()));
  return { h, ids, text: await exportText(h.store) };
}

async function exportText(store: InMemoryEventStore<RecordStateChange>): Promise<string> {
  let text = '';
  await exportEvents(store, [0, 1, 2, 3], {}, async (page) => void (text += page));
  return text;
}

function freshStore() {
  const state = new InMemoryRecordState();
  return { state, store: new InMemoryEventStore<RecordStateChange>(4, state) };
}

describe('importRecording into an in-memory event store', () => {
  it('writes the events with their versions and positions and the records rows; export → import → export is byte-identical', async () => {
    const { h, ids, text } = await recordedTraffic();
    const { store, state } = freshStore();
    const report = await importRecording(text.split('\n').filter(Boolean), store);
    expect(report).toMatchObject({ events: 10, streams: 8, imported: 10, alreadyPresent: 0 });
    expect(report.shards.every((s) => s.positions === 'kept')).toBe(true);
    expect(await exportText(store)).toBe(text);
    for (const { business, id } of ids) {
      const shard = h.router.shardFor(business);
      expect(await state.get(shard, business, id)).toEqual(await h.state.get(shard, business, id));
    }
    // History, not new traffic: no outbox rows unless asked.
    expect([0, 1, 2, 3].flatMap((s) => store.outbox(s))).toEqual([]);
  });

  it('imports the same file a second time without writing anything, and says so', async () => {
    const { text } = await recordedTraffic();
    const { store } = freshStore();
    await importRecording([text], store);
    const again = await importRecording([text], store);
    expect(again).toMatchObject({ events: 10, imported: 0, alreadyPresent: 10, shards: [] });
    expect(await exportText(store)).toBe(text);
  });

  it('with outbox: true, writes outbox rows so that a relay publishes the imported events', async () => {
    const { text } = await recordedTraffic();
    const { store } = freshStore();
    await importRecording([text], store, { outbox: true });
    expect([0, 1, 2, 3].flatMap((s) => store.outbox(s))).toHaveLength(10);
  });

  it('into a store that has traffic of its own: the recorded positions are taken, so new ones are allocated; every stream keeps its order', async () => {
    const { text } = await recordedTraffic();
    const other = await recordedTraffic();
    const report = await importRecording([text], other.h.store);
    expect(report.imported).toBe(10);
    expect(report.shards.some((s) => s.positions === 'allocated')).toBe(true);
    for (const shard of [0, 1, 2, 3]) {
      const log = await other.h.store.readEventsAfter(shard, '0', 1000);
      const versions = new Map<string, number>();
      for (const e of log) {
        expect(e.streamVersion).toBe((versions.get(e.streamId) ?? 0) + 1);
        versions.set(e.streamId, e.streamVersion);
      }
    }
  });

  it('routes streams by shardFor (a store with another slot map): recorded positions of other shards are not kept; new ones go stream by stream, in the order of each stream’s first recorded event', async () => {
    const { text } = await recordedTraffic();
    const state = new InMemoryRecordState();
    const store = new InMemoryEventStore<RecordStateChange>(2, state);
    const report = await importRecording([text], store, { shardFor: () => 1 });
    expect(report.shards).toEqual([{ shard: 1, events: 10, positions: 'allocated' }]);
    const log = await store.readEventsAfter(1, '0', 100);
    expect(log.map((e) => e.position)).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
    const recorded = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const order = (e: { shard: number; position: string }) => e.shard * 1e6 + Number(e.position);
    const firstOf = new Map<string, number>();
    for (const e of recorded) firstOf.set(e.stream_id, Math.min(firstOf.get(e.stream_id) ?? Infinity, order(e)));
    const expected = [...recorded].sort((a, b) => firstOf.get(a.stream_id)! - firstOf.get(b.stream_id)! || a.stream_version - b.stream_version);
    expect(log.map((e) => e.metadata.eventId)).toEqual(expected.map((e) => e.event_id));
    expect(await importRecording([text], store, { shardFor: () => 1 })).toMatchObject({ imported: 0, alreadyPresent: 10 });
  });

  it('refuses a stream whose version the store holds as another event, naming the line, and writes nothing', async () => {
    const { text } = await recordedTraffic();
    const lines = text.split('\n').filter(Boolean);
    const { store } = freshStore();
    await importRecording([lines[0]], store);
    const changed = JSON.parse(lines[0]);
    changed.event_id = 'someone-else';
    const before = await exportText(store);
    const refusal = importRecording([lines[1], JSON.stringify(changed)], store);
    await expect(refusal).rejects.toBeInstanceOf(RecordingImportError);
    await expect(refusal).rejects.toThrow(new RegExp(`^line 2: stream ${changed.stream_id}: version 1 is held by another event`));
    expect(await exportText(store)).toBe(before);
  });

  it('refuses a stream that starts after a gap (a recording cut by time), naming the line', async () => {
    const { text } = await recordedTraffic();
    const lines = text.split('\n').filter(Boolean);
    const updated = lines.findIndex((l) => JSON.parse(l).stream_version === 2);
    const { store } = freshStore();
    await expect(importRecording([lines[updated]], store)).rejects.toThrow(/^line 1: stream record-\d+: version 2 follows version 0 \(0 in the store\)/);
  });

  it('refuses a bad line, naming the line and the field', async () => {
    const { text } = await recordedTraffic();
    const lines = text.split('\n').filter(Boolean);
    const bad = { ...JSON.parse(lines[2]), stream_version: 'two' };
    const refusal = importRecording([lines[0], lines[1], JSON.stringify(bad)], freshStore().store);
    await expect(refusal).rejects.toBeInstanceOf(JsonlLineError);
    await expect(refusal).rejects.toThrow(/^line 3: .*stream_version/);
    await expect(importRecording(['{"not json'], freshStore().store)).rejects.toThrow(/^line 1: .*not JSON/);
  });

  it('a dry run checks everything and writes nothing', async () => {
    const { text } = await recordedTraffic();
    const { store } = freshStore();
    expect(await importRecording([text], store, { dryRun: true })).toMatchObject({ imported: 10 });
    expect(await exportText(store)).toBe('');
  });
});
