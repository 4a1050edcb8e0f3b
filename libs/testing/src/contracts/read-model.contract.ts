import { randomBytes } from 'node:crypto';
import { projectionSpec, type ReadModelTarget } from '../projections/projection-spec';
import { recordHistory } from '../projections/record-history';

export interface ReadModelCapabilities {
  search: boolean;
  analytics: boolean;
}

/**
 * What every records read model must show, through the same given/when/then specs: the in-memory
 * read model (unit), Elasticsearch (search) and ClickHouse (analytics) (integration), so the
 * double cannot drift from the engines. Every event is delivered more than once and out of order.
 * Each spec has its own businesses; the analytics specs own March 2026 (hot businesses has no
 * business filter), the search specs January.
 */
export function readModelContract(name: string, can: ReadModelCapabilities, open: () => Promise<ReadModelTarget & { close(): Promise<void> }>) {
  const searchIt = can.search ? it : it.skip;
  const analyticsIt = can.analytics ? it : it.skip;
  const tag = `rm${randomBytes(3).toString('hex')}`;
  const business = (n: string) => `${tag}-${n}`;

  describe(`read-model contract: ${name}`, () => {
    let target: ReadModelTarget & { close(): Promise<void> };
    let spec: ReturnType<typeof projectionSpec>;
    beforeAll(async () => {
      target = await open();
      await target.sink.prepare();
      spec = projectionSpec(target);
    });
    afterAll(async () => target?.close());

    searchIt('converges whatever the duplicates and the order: live records only, at their latest version and content', async () => {
      const b = business('conv');
      const records = Array.from({ length: 6 }, (_, i) => {
        const r = recordHistory({ business: b, user: String(10 + i), at: `2026-01-0${i + 1}T10:00:00.000Z`, content: { n: 0 } });
        for (let v = 1; v <= i % 3; v++) r.updated({ n: v }, `2026-01-0${i + 1}T11:00:0${v}.000Z`);
        if (i === 4) r.deleted('2026-01-09T00:00:00.000Z');
        return r;
      });
      const then = await spec.given(...records.flatMap((r) => r.events)).whenApplied({ times: 3, shuffle: 11, batchSize: 4 });
      then.thenRejects([]);
      const live = records.filter((_, i) => i !== 4).reverse();
      const items = await then.thenSearchFinds({ business_id: b }, live.map((r) => r.id));
      expect(items.map((i) => ({ version: i.version, data_content: i.data_content, user_id: i.user_id }))).toEqual(live.map((r) => ({ version: r.version, data_content: r.currentContent, user_id: r.user })));
      expect(items[0].created_time).toBe('2026-01-06T10:00:00.000Z');
    });

    searchIt('never resurrects a deleted record when older events arrive after its tombstone', async () => {
      const r = recordHistory({ business: business('tomb'), at: '2026-01-03T00:00:00.000Z', content: { word: 'phoenix' } }).updated({ word: 'phoenix risen' }, '2026-01-04T00:00:00.000Z');
      r.deleted('2026-01-05T00:00:00.000Z');
      await spec.given(r.events[2]).whenApplied();
      const then = await spec.given(r.events[1], r.events[0]).whenApplied();
      await then.thenSearchFinds({ business_id: r.business }, []);
      await then.thenSearchFinds({ keyword: 'phoenix', business_id: r.business }, []);
    });

    searchIt('shows a moved record under its new business only', async () => {
      const source = recordHistory({ business: business('from'), at: '2026-01-10T00:00:00.000Z', content: { word: 'okapi' } });
      const copy = source.movedTo(business('to'), '2026-01-11T00:00:00.000Z');
      const then = await spec.given(...source.events, ...copy.events).whenApplied({ times: 2, shuffle: 5 });
      await then.thenSearchFinds({ business_id: source.business }, []);
      const [moved] = await then.thenSearchFinds({ business_id: copy.business, keyword: 'okapi' }, [copy.id]);
      expect(moved).toMatchObject({ business_id: copy.business, version: 1, data_content: { word: 'okapi' }, created_time: '2026-01-11T00:00:00.000Z' });
    });

    searchIt('a keyword matches when every word is in some string or number leaf, whatever the case', async () => {
      const b = business('kw');
      const lamp = recordHistory({ business: b, at: '2026-01-12T00:00:00.000Z', content: { note: 'Wombat Lamp', sku: 1234, tags: ['blue'] } });
      const rug = recordHistory({ business: b, at: '2026-01-12T01:00:00.000Z', content: { note: 'wombat rug', nested: { deep: { tag: 'Okapi' } } } });
      const then = await spec.given(...lamp.events, ...rug.events).whenApplied();
      await then.thenSearchFinds({ business_id: b, keyword: 'wombat' }, [rug.id, lamp.id]);
      await then.thenSearchFinds({ business_id: b, keyword: 'WOMBAT lamp' }, [lamp.id]);
      await then.thenSearchFinds({ business_id: b, keyword: 'okapi wombat' }, [rug.id]);
      await then.thenSearchFinds({ business_id: b, keyword: '1234' }, [lamp.id]);
      await then.thenSearchFinds({ business_id: b, keyword: 'blue' }, [lamp.id]);
      await then.thenSearchFinds({ business_id: b, keyword: 'wombat zebra' }, []);
      await then.thenSearchFinds({ business_id: b, keyword: 'wombat', sort: 'relevance' }, expect.arrayContaining([lamp.id, rug.id]) as unknown as string[]);
    });

    searchIt('filters by user and creation time (from inclusive, to exclusive), sorts both ways and pages through with cursors', async () => {
      const b = business('filter');
      const records = Array.from({ length: 7 }, (_, i) => recordHistory({ business: b, user: i % 2 === 0 ? '100' : '200', at: `2026-01-2${i}T08:00:00.000Z`, content: { i } }));
      const then = await spec.given(...records.flatMap((r) => r.events)).whenApplied({ shuffle: 3 });
      const ids = records.map((r) => r.id);
      await then.thenSearchFinds({ business_id: b, user_id: '200' }, [ids[5], ids[3], ids[1]]);
      await then.thenSearchFinds({ business_id: b, date_range: { from: '2026-01-22T08:00:00.000Z', to: '2026-01-25' } }, [ids[4], ids[3], ids[2]]);
      await then.thenSearchFinds({ business_id: b, sort: 'created_time_asc', page_size: 3 }, ids.slice(0, 3));
      await then.thenSearchPagesThrough({ business_id: b, page_size: 2 }, [...ids].reverse());
      await then.thenSearchPagesThrough({ business_id: b, page_size: 3, sort: 'created_time_asc' }, ids);
    });

    it('rejects an event type it does not know, and applies the rest of the batch', async () => {
      const r = recordHistory({ business: business('poison'), at: '2026-01-15T00:00:00.000Z', content: { ok: true } });
      const poison = { ...recordHistory({ business: r.business, at: '2026-01-15T00:00:01.000Z' }).events[0], event_type: 'RecordExploded' };
      const then = await spec.given(r.events[0], poison).whenApplied();
      then.thenRejects([poison.event_id]);
      if (can.search) await then.thenSearchFinds({ business_id: r.business }, [r.id]);
      if (can.analytics) await then.thenRecordsPerDay({ from: '2026-01-15', to: '2026-01-15', business_id: r.business }, [{ business_id: r.business, day: '2026-01-15', records_created: 1, records_updated: 0, records_deleted: 0, events: 1, active_users: 1 }]);
    });

    describe('analytics over one month of two businesses (a move between them, a deletion, updates)', () => {
      const m1 = business('m1');
      const m2 = business('m2');
      const r1 = recordHistory({ business: m1, user: '1', at: '2026-03-02T10:00:00.000Z', content: { n: 1 } }).updated({ n: 2 }, '2026-03-02T11:00:00.000Z');
      r1.updated({ n: 3 }, '2026-03-10T09:00:00.000Z');
      const r2 = recordHistory({ business: m1, user: '2', at: '2026-03-02T12:00:00.000Z' }).deleted('2026-03-03T08:00:00.000Z');
      const r3 = recordHistory({ business: m1, user: '1', at: '2026-03-03T09:00:00.000Z' });
      const copy = r3.movedTo(m2, '2026-03-10T10:00:00.000Z');
      const r4 = recordHistory({ business: m2, user: '3', at: '2026-03-03T10:00:00.000Z' });
      const events = [r1, r2, r3, copy, r4].flatMap((r) => r.events);
      const day = (business_id: string, d: string, created: number, updated: number, deleted: number, events: number, users: number) => ({
        business_id,
        day: d,
        records_created: created,
        records_updated: updated,
        records_deleted: deleted,
        events,
        active_users: users,
      });

      analyticsIt('records per business per day count each event once; a move is a deletion in one business and a creation in the other', async () => {
        const then = await spec.given(...events).whenApplied({ times: 2, shuffle: 3, batchSize: 5 });
        then.thenRejects([]);
        const rows = [day(m1, '2026-03-02', 2, 1, 0, 3, 2), day(m1, '2026-03-03', 1, 0, 1, 2, 2), day(m2, '2026-03-03', 1, 0, 0, 1, 1), day(m1, '2026-03-10', 0, 1, 1, 2, 1), day(m2, '2026-03-10', 1, 0, 0, 1, 1)];
        await then.thenRecordsPerDay({ from: '2026-03-01', to: '2026-03-31' }, rows);
        await then.thenRecordsPerDay({ from: '2026-03-01', to: '2026-03-31', business_id: m2 }, [rows[2], rows[4]]);
        await then.thenRecordsPerDay({ from: '2026-03-01', to: '2026-03-31', limit: 2 }, rows.slice(0, 2), true);
        await then.thenRecordsPerDay({ from: '2026-03-04', to: '2026-03-09' }, []);
        await then.thenHotBusinesses({ from: '2026-03-01', to: '2026-03-31' }, [
          { business_id: m1, events: 7, records_created: 3 },
          { business_id: m2, events: 2, records_created: 2 },
        ]);
        await then.thenHotBusinesses({ from: '2026-03-01', to: '2026-03-31', by: 'records_created', limit: 1 }, [{ business_id: m1, events: 7, records_created: 3 }]);
        await then.thenGrowth({ from: '2026-03-01', to: '2026-03-15', interval: 'week', business_id: m1 }, [
          { period_start: '2026-02-23', records_created: 0, records_deleted: 0, net: 0, cumulative_created: 0, cumulative_net: 0 },
          { period_start: '2026-03-02', records_created: 3, records_deleted: 1, net: 2, cumulative_created: 3, cumulative_net: 2 },
          { period_start: '2026-03-09', records_created: 0, records_deleted: 1, net: -1, cumulative_created: 3, cumulative_net: 1 },
        ]);
        await then.thenActiveUsers({ from: '2026-03-02', to: '2026-03-04', business_id: m1 }, {
          days: [
            { day: '2026-03-02', active_users: 2 },
            { day: '2026-03-03', active_users: 2 },
            { day: '2026-03-04', active_users: 0 },
          ],
          total_active_users: 2,
        });
      });
    });
  });
}
