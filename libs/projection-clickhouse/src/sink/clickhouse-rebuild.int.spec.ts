import type { RecordEventEnvelope } from '@shardline/integration-events';
import { clickHouseConfigFromEnv } from '../clickhouse.config';
import { DAILY_VIEW, liveTables, rebuildTables, retiredTables } from '../schema/analytics-tables';
import { sqlQualifiedName, sqlString } from '../sql/sql-literals';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase, EnvelopeFactory, shuffled } from '../testing/clickhouse-test-database';
import { readModelFingerprint } from '../verification/read-model-fingerprint';
import { ClickHouseProjectionSink } from './clickhouse-projection.sink';

describe('ClickHouseProjectionSink rebuild: target, handover, promote, abandon (ClickHouse server)', () => {
  let db: ClickHouseTestDatabase;
  let live: ClickHouseProjectionSink;
  const f = new EnvelopeFactory();
  const created = (business: string): RecordEventEnvelope =>
    f.event({ type: 'RecordCreated', recordId: f.recordId(new Date('2026-06-01T00:00:00Z')), businessId: business, version: 1, at: '2026-06-02T00:00:00Z' });

  beforeAll(async () => {
    db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    live = new ClickHouseProjectionSink(db.gateway, db.config.database);
    await live.prepare();
  });
  afterAll(() => db?.drop());

  async function businesses(table: string): Promise<string[]> {
    const rows = await db.gateway.select<{ business_id: string }>(`SELECT business_id FROM ${table} FINAL ORDER BY business_id`);
    return rows.map((r) => r.business_id);
  }
  async function tableExists(name: string): Promise<boolean> {
    const [row] = await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = ${sqlString(db.config.database)} AND name = ${sqlString(name)}`);
    return Number(row.n) === 1;
  }

  it('replays into a fresh set, mirrors live batches during the handover, then swaps the tables in', async () => {
    const history = [created('b1-before'), created('b2-before')];
    await live.apply([history[0]]); // the live set missed b2 (say it was lost): the rebuild repairs it
    const target = await live.createRebuildTarget('r1');
    await target.prepare();
    expect(await target.apply(history)).toEqual([]);
    expect(await businesses(rebuildTables(db.config.database, 'r1').events)).toEqual(['b1-before', 'b2-before']);

    await live.beginHandover('r1');
    await live.apply([created('b3-during')]);
    expect(await businesses(liveTables(db.config.database).events)).toEqual(['b1-before', 'b3-during']);
    expect(await businesses(rebuildTables(db.config.database, 'r1').events)).toEqual(['b1-before', 'b2-before', 'b3-during']);

    await live.promote('r1');
    const liveSet = liveTables(db.config.database);
    expect(await businesses(liveSet.events)).toEqual(['b1-before', 'b2-before', 'b3-during']);
    expect(await businesses(liveSet.latest)).toEqual(['b1-before', 'b2-before', 'b3-during']);
    expect(await businesses(retiredTables(db.config.database, 'r1').events)).toEqual(['b1-before', 'b3-during']);
    expect(await tableExists(rebuildTables(db.config.database, 'r1').eventsName)).toBe(false);
    // The analysts' view reads the live name, so it follows the swap.
    const [view] = await db.gateway.select<{ n: string }>(`SELECT sum(records_created) AS n FROM ${sqlQualifiedName(db.config.database, DAILY_VIEW)}`);
    expect(Number(view.n)).toBe(3);

    // Handover over: the next live batch goes to the (new) live set only, and promote is repeatable.
    await live.apply([created('b4-after')]);
    expect(await businesses(liveSet.events)).toEqual(['b1-before', 'b2-before', 'b3-during', 'b4-after']);
    await live.promote('r1');
    expect(await businesses(liveSet.events)).toHaveLength(4);
  });

  it('abandon ends the handover and drops the target; a live batch that races a vanished target throws', async () => {
    await live.createRebuildTarget('r2');
    await live.beginHandover('r2');
    await db.gateway.command(`DROP TABLE ${rebuildTables(db.config.database, 'r2').events}`);
    // As between promote's RENAME and the end of the handover: a transient failure, retried later.
    await expect(live.apply([created('b5-raced')])).rejects.toThrow();
    await live.abandonRebuild('r2');
    expect(await tableExists(rebuildTables(db.config.database, 'r2').latestName)).toBe(false);
    expect(await live.apply([created('b5-raced')])).toEqual([]);
    expect(await businesses(liveTables(db.config.database).events)).toContain('b5-raced');
  });

  it('fingerprints: a rebuild from the same events (other order, duplicates) equals the live set; a difference shows', async () => {
    const events = Array.from({ length: 30 }, (_, i) => created(`fp-${i % 4}`));
    const id = events[0].record_id;
    events.push(f.event({ type: 'RecordUpdated', recordId: id, businessId: 'fp-0', version: 2, at: '2026-06-03T00:00:00Z', dataContent: { x: 1 } }));
    events.push(f.event({ type: 'RecordDeleted', recordId: events[1].record_id, businessId: 'fp-1', version: 2, at: '2026-06-03T00:00:00Z' }));
    await live.apply(events);
    const target = await live.createRebuildTarget('fp');
    for (const batch of [shuffled(events, 1).slice(0, 20), shuffled(events, 2)]) await target.apply(batch);
    const rebuilt = rebuildTables(db.config.database, 'fp');
    for (const business of ['fp-0', 'fp-1', 'fp-3']) {
      expect(await readModelFingerprint(db.gateway, rebuilt, business)).toEqual(await readModelFingerprint(db.gateway, liveTables(db.config.database), business));
    }
    const fp0 = await readModelFingerprint(db.gateway, rebuilt, 'fp-0');
    expect(fp0).toMatchObject({ events: 9, records: 8, liveRecords: 8 });
    expect((await readModelFingerprint(db.gateway, rebuilt, 'fp-1')).liveRecords).toBe(7);
    await target.apply([f.event({ type: 'RecordUpdated', recordId: id, businessId: 'fp-0', version: 3, at: '2026-06-04T00:00:00Z' })]);
    const changed = await readModelFingerprint(db.gateway, rebuilt, 'fp-0');
    expect(changed.eventsHash).not.toBe(fp0.eventsHash);
    expect(changed.latestHash).not.toBe(fp0.latestHash);
    await live.abandonRebuild('fp');
  });

  it('refuses a handover to a target that was never created, and malformed rebuild ids', async () => {
    await expect(live.beginHandover('never')).rejects.toThrow(/createRebuildTarget/);
    await expect(live.promote('never')).rejects.toThrow(/no target tables/);
    await expect(live.createRebuildTarget('x; DROP TABLE y')).rejects.toThrow(/invalid rebuild id/);
  });
});
