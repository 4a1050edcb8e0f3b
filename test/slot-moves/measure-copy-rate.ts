/**
 * Rough copy rate of the slot-move engine on this machine (docs/adr/0008, 4.2):
 *   scripts/with-node tsx test/slot-moves/measure-copy-rate.ts [moved events, default 50000]
 * A private 2-shard fleet; shard 0 gets 4x the moved events in all (a quarter in the 16 moved slots,
 * the rest in other slots of shard 0, so the scans pay for what they pass over), two events per
 * record, ~600-byte payloads (sealed-like), over 3 months. Timed: the backfill (default chunks); the
 * catch-up of as many events again written after it (records re-copied with them); a final
 * catch-up; the exact verify; the held-rows check of the cutover on the source; the target's delete.
 * Rows are loaded with their slot, as the writers store it (shard migration 0010); with
 * MEASURE_SLOTS=null without it (a shard not yet back-filled, or a tree before the column — the
 * loader then names no slot column at all), and the source's back-fill is timed at the end.
 * Not a spec: prints one JSON line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { monthKeyOf } from '@shardline/event-store';
import { firstIdAt } from '@shardline/ids';
import { slotOf } from '@shardline/sharding';
import { heldRowsOfSlots, ShardDatabases } from '@shardline/sharding/mysql';
import { catchUpCursorAfter } from '@shardline/slot-moves';
import { catchUpChunk, copyChunk, deleteSlotRows, verifySlots } from '@shardline/slot-moves/mysql';
import { createTestDatabases } from '../support/test-databases';
import { businessInSlot } from './support/slot-move-fixture';

async function main(): Promise<void> {
  const movedEvents = Number(process.argv[2] ?? 50_000);
  const withSlots = process.env.MEASURE_SLOTS !== 'null';
  const slotColumn = withSlots ? ', slot' : '';
  const slotValue = (business: string) => (withSlots ? `, ${slotOf(business)}` : '');
  const dbs = await createTestDatabases(2);
  const databases = new ShardDatabases({ ...dbs.config, queryTimeoutMs: 0 });
  try {
    const source = databases.shard(0);
    const target = databases.shard(1);
    const moved = Array.from({ length: 16 }, (_, i) => 2 * (i * 64 + 1));
    const others = Array.from({ length: 48 }, (_, i) => 2 * (i * 40 + 3));
    const movedBusinesses = moved.map((slot) => businessInSlot(slot));
    const otherBusinesses = others.map((slot) => businessInSlot(slot));
    const months = [-62, 0, 31].map((days) => new Date(Date.now() + days * 86_400_000));
    // MEASURE_SHARE=n: the moved slots hold 1/n of the source's events (default 4; a group of 16 of a
    // shard's 1,024 slots holds ~1/64).
    const share = Number(process.env.MEASURE_SHARE ?? 4);
    const records = (movedEvents * share) / 2;
    let seq = 0;
    const load = async () => {
      for (let done = 0; done < records; done += 1000) {
        const events: string[] = [];
        const rows: string[] = [];
        for (let i = done; i < Math.min(records, done + 1000); i++) {
          const business = i % share === 0 ? movedBusinesses[(i / share) % 16] : otherBusinesses[i % 48];
          const when = months[i % 3];
          const id = (BigInt(firstIdAt(when)) + BigInt(++seq)).toString();
          const sealed = randomBytes(400).toString('base64');
          const data = (v: number) => JSON.stringify({ id, business_id: business, user_id: '42', sealed: { alg: 'A256GCM', iv: 'x', ct: sealed, tag: 'y' }, v });
          const meta = JSON.stringify({ eventId: randomUUID(), commandId: randomUUID(), correlationId: 'c', causationId: null, actor: null });
          for (const v of [1, 2]) events.push(`(${monthKeyOf(when)}, 'record-${id}', ${v}, '${v === 1 ? 'RecordCreated' : 'RecordUpdated'}', 1, '${data(v)}', '${meta}', UTC_TIMESTAMP(3)${slotValue(business)})`);
          rows.push(`(${id}, '${business}', 42, '{"k": "${sealed.slice(0, 200)}"}', 2, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)${slotValue(business)})`);
        }
        await source.raw(`INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time${slotColumn}) VALUES ${events.join(',')}`);
        await source.raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time${slotColumn}) VALUES ${rows.join(',')}`);
      }
    };
    await load();
    const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const started = process.hrtime.bigint();
      const result = await work();
      return [result, Number(process.hrtime.bigint() - started) / 1e9];
    };
    const [backfill, backfillS] = await time(async () => {
      let result = await copyChunk(source, target, moved, null, { settleMs: 0 });
      let rows = 0;
      let chunks = 0;
      while (!result.done) {
        result = await copyChunk(source, target, moved, result.cursor, { settleMs: 0 });
        rows += result.rowsCopied;
        chunks++;
      }
      return { rows, chunks, cursor: result.cursor };
    });
    // As many again written after the backfill: the catch-up's work (default chunks, no settle wait).
    await load();
    const [caughtUp, catchUpS] = await time(async () => {
      let cursor = catchUpCursorAfter(backfill.cursor);
      let rows = 0;
      for (;;) {
        const r = await catchUpChunk(source, target, moved, cursor, { settleMs: 0 });
        rows += r.rowsCopied;
        cursor = r.cursor;
        if (r.rowsBehind === 0) return { rows, cursor };
      }
    });
    const [, finalS] = await time(() => catchUpChunk(source, target, moved, caughtUp.cursor, { final: true }));
    const [verified, verifyS] = await time(() => verifySlots(source, target, moved));
    const [held, heldS] = await time(() => heldRowsOfSlots(source, moved));
    const [deleted, deleteS] = await time(async () => {
      let n = 0;
      let cursor = null;
      for (;;) {
        const r = await deleteSlotRows(target, moved, { cursor });
        n += r.deleted;
        if (r.done) return n;
        cursor = r.cursor;
      }
    });
    console.log(
      JSON.stringify({
        sourceEventsPerLoad: movedEvents * share,
        movedEvents,
        movedRecords: records / share,
        backfill: { rowsCopied: backfill.rows, chunks: backfill.chunks, seconds: +backfillS.toFixed(1), rowsPerSecond: Math.round(backfill.rows / backfillS) },
        catchUp: { eventsCopied: caughtUp.rows, seconds: +catchUpS.toFixed(1), rowsPerSecond: Math.round(caughtUp.rows / catchUpS) },
        finalCatchUpSeconds: +finalS.toFixed(2),
        verify: { seconds: +verifyS.toFixed(2), mismatches: verified.mismatches.length },
        heldRowsCheck: { seconds: +heldS.toFixed(3), held },
        deleteOnTarget: { rows: deleted, seconds: +deleteS.toFixed(2), rowsPerSecond: Math.round(deleted / deleteS) },
        slots: withSlots ? 'written' : 'null',
        ...(withSlots ? {} : { sourceBackfill: await timedBackfill(source) }),
      }),
    );
  } finally {
    await databases.destroy();
    await dbs.drop();
  }
}

/** The source's back-fill (MEASURE_SLOTS=null on a tree that has it), default chunks. */
async function timedBackfill(db: Knex): Promise<{ rows: number; seconds: number; rowsPerSecond: number } | 'not in this tree'> {
  const sharding = (await import('@shardline/sharding/mysql')) as Record<string, unknown>;
  const chunkOf = sharding.backfillSlotChunk as ((db: Knex, cursor: unknown) => Promise<{ filled: number; done: boolean; cursor: unknown }>) | undefined;
  if (!chunkOf) return 'not in this tree';
  const started = process.hrtime.bigint();
  let rows = 0;
  for (let cursor: unknown = null, done = false; !done; ) {
    const chunk = await chunkOf(db, cursor);
    rows += chunk.filled;
    ({ cursor, done } = chunk);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rows, seconds: +seconds.toFixed(1), rowsPerSecond: Math.round(rows / seconds) };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
