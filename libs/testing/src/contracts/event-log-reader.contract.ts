import { monthKeyOf, type AppendCommand, type EventLogReader, type EventStore } from '@shardline/event-store';
import { businessOnShard } from '../sharding/business-on-shard';

/**
 * What a shard's event log must give rebuilds and replays, run against the in-memory event store
 * (unit) and MySQL (integration): every event after a position, in position order across the
 * month partitions, staged events only once released, positions validated. Needs 2 shards.
 */
export function eventLogReaderContract(name: string, open: () => Promise<{ store: EventStore<unknown>; reader: EventLogReader; close(): Promise<void> }>) {
  describe(`EventLogReader contract: ${name}`, () => {
    let store: EventStore<unknown>;
    let reader: EventLogReader;
    let close: () => Promise<void>;
    // An old month, the current one and a far one: one stream per month partition, written interleaved.
    const months = [202401, monthKeyOf(new Date()), 209912];

    beforeAll(async () => {
      ({ store, reader, close } = await open());
      for (let version = 1; version <= 10; version++) {
        for (const [i, month] of months.entries()) {
          const command: AppendCommand<unknown> = {
            shard: 1,
            writes: [
              {
                streamId: `stream-${i}`,
                partitionMonth: month,
                expectedVersion: version - 1,
                partitionKey: businessOnShard(1, `biz-${i}`),
                state: null,
                events: [
                  {
                    type: 'Happened',
                    schemaVersion: 1,
                    // Record-shaped (id, business_id, user_id) so that a log kept as JSONL envelopes holds it too.
                    data: { id: String(1000 + i), business_id: `biz-${i}`, user_id: '7', i, version },
                    metadata: { eventId: `e-${i}-${version}`, commandId: `c-${i}-${version}`, correlationId: 'x', causationId: null, actor: null },
                  },
                ],
              },
            ],
          };
          await store.append(command);
        }
      }
    });
    afterAll(async () => close());

    it('pages through every event of the shard in ascending position order', async () => {
      const seen: Array<{ position: string; streamId: string; streamVersion: number }> = [];
      let after = '0';
      for (;;) {
        const page = await reader.readEventsAfter(1, after, 7);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(7);
        seen.push(...page.map((e) => ({ position: e.position, streamId: e.streamId, streamVersion: e.streamVersion })));
        after = page[page.length - 1].position;
      }
      expect(seen).toHaveLength(30);
      const positions = seen.map((e) => BigInt(e.position));
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
      // Written interleaved across the three partitions, read back interleaved: a merged order, not partition by partition.
      expect(seen.slice(0, 3).map((e) => e.streamId)).toEqual(['stream-0', 'stream-1', 'stream-2']);
      for (const i of [0, 1, 2]) {
        expect(seen.filter((e) => e.streamId === `stream-${i}`).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      }
      const [first] = await reader.readEventsAfter(1, '0', 1);
      expect(first).toMatchObject({ shard: 1, type: 'Happened', schemaVersion: 1, data: { i: 0, version: 1 }, metadata: { eventId: 'e-0-1' } });
      expect(first.createdTime).toBeInstanceOf(Date);
      expect(await reader.readEventsAfter(1, after, 10)).toEqual([]);
    });

    it('skips events still staged by a write set; they appear once released', async () => {
      const month = monthKeyOf(new Date());
      const metadata = { eventId: 'e-staged', commandId: 'c-staged', correlationId: 'x', causationId: null, actor: null };
      await store.appendBatch({
        shard: 0,
        stagedBy: 'ws-1',
        writes: [{ streamId: 'staged-1', partitionMonth: month, expectedVersion: 0, partitionKey: businessOnShard(0), state: null, events: [{ type: 'Happened', schemaVersion: 1, data: { id: '2000', business_id: businessOnShard(0), user_id: '7' }, metadata }] }],
      });
      expect(await reader.readEventsAfter(0, '0', 10)).toEqual([]);
      await store.releaseStaged(0, 'ws-1', [{ streamId: 'staged-1', partitionMonth: month, partitionKey: businessOnShard(0) }]);
      expect((await reader.readEventsAfter(0, '0', 10)).map((e) => e.streamId)).toEqual(['staged-1']);
    });

    it('refuses a position that is not a decimal integer', async () => {
      await expect(reader.readEventsAfter(1, '1 OR 1=1', 10)).rejects.toThrow(RangeError);
      await expect(reader.readEventsAfter(1, '0', 0)).rejects.toThrow(RangeError);
    });
  });
}
