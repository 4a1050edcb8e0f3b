import { randomUUID } from 'node:crypto';
import { AppendCommand, monthKeyOf, SlotNotOwnedError } from '@shardline/event-store';
import {
  copyProcessedCommandsOfSlots,
  deleteProcessedCommandsOfSlots,
  MysqlEventStore,
  MysqlInlineProjection,
  ProcessedCommandsCopyCursor,
  processedCommandsCopyStart,
} from '@shardline/event-store/mysql';
import { slotOf } from '@shardline/sharding';
import { grantSlots, revokeSlots, ShardDatabases } from '@shardline/sharding/mysql';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

function write(businessId: string) {
  return {
    streamId: `s-${randomUUID()}`,
    partitionMonth: monthKeyOf(new Date()),
    expectedVersion: 0,
    partitionKey: businessId,
    state: null,
    events: [{ type: 'Created', schemaVersion: 1, data: {}, metadata: { eventId: randomUUID(), commandId: randomUUID(), correlationId: 'c', causationId: null, actor: null } }],
  };
}

/** A keyed command writing one record of each business (a batch part when there are several). */
function keyed(shard: number, key: string, businessIds: string[], response: unknown = { ok: true }): AppendCommand {
  return { shard, writes: businessIds.map(write), idempotency: { commandId: key, requestHash: 'h', response } };
}

/** Distinct businesses of shard 0 whose slots differ. */
function businesses(count: number, seed: string): string[] {
  const found: string[] = [];
  const slots = new Set<number>();
  for (let i = 0; found.length < count; i++) {
    const b = businessOnShard(0, `${seed}-${i}`);
    if (slots.has(slotOf(b))) continue;
    slots.add(slotOf(b));
    found.push(b);
  }
  return found;
}

async function slotColumn(databases: ShardDatabases, shard: number, key: string): Promise<number | null | undefined> {
  const row = await databases.shard(shard)('processed_commands').where({ command_id: key }).first('slot');
  return row ? (row.slot === null ? null : Number(row.slot)) : undefined;
}

async function keysOn(databases: ShardDatabases, shard: number, prefix: string): Promise<string[]> {
  const rows = await databases.shard(shard)('processed_commands').where('command_id', 'like', `${prefix}%`).orderBy('command_id').select('command_id');
  return rows.map((r: { command_id: string }) => r.command_id);
}

describe('processed_commands.slot: Idempotency-Keys follow their slot (docs/adr/0008 4.8)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let store: MysqlEventStore<unknown>;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    store = new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 100, windowMs: 20, maxInFlight: 1 } });
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('a command writing one slot stores its key with that slot; a batch part spanning slots with NULL; each command of a group commit its own', async () => {
    const [a, b, c] = businesses(3, 'write');
    const k = `w-${randomUUID()}`;
    await store.append(keyed(0, `${k}-single`, [a]));
    await store.appendBatch(keyed(0, `${k}-one-slot-part`, [b, b]));
    await store.appendBatch(keyed(0, `${k}-spanning-part`, [a, b]));
    // Concurrent appends share one transaction (a 20 ms window): each row still gets its own slot.
    await Promise.all([store.append(keyed(0, `${k}-g1`, [a])), store.append(keyed(0, `${k}-g2`, [c])), store.append(keyed(0, `${k}-g3`, [a, c]))]);
    expect(await slotColumn(databases, 0, `${k}-single`)).toBe(slotOf(a));
    expect(await slotColumn(databases, 0, `${k}-one-slot-part`)).toBe(slotOf(b));
    expect(await slotColumn(databases, 0, `${k}-spanning-part`)).toBeNull();
    expect(await slotColumn(databases, 0, `${k}-g1`)).toBe(slotOf(a));
    expect(await slotColumn(databases, 0, `${k}-g2`)).toBe(slotOf(c));
    expect(await slotColumn(databases, 0, `${k}-g3`)).toBeNull();
  });

  it('a no-op under a key takes the slot of the business it names, and is fenced like a write; one naming none stores NULL, unfenced', async () => {
    const [a] = businesses(1, 'noop');
    const k = `n-${randomUUID()}`;
    await store.append({ shard: 0, writes: [], partitionKey: a, idempotency: { commandId: `${k}-named`, requestHash: 'h', response: {} } });
    await store.append({ shard: 0, writes: [], idempotency: { commandId: `${k}-unnamed`, requestHash: 'h', response: {} } });
    expect(await slotColumn(databases, 0, `${k}-named`)).toBe(slotOf(a));
    expect(await slotColumn(databases, 0, `${k}-unnamed`)).toBeNull();
    await revokeSlots(databases.shard(0), [slotOf(a)]);
    try {
      const refused = await store.append({ shard: 0, writes: [], partitionKey: a, idempotency: { commandId: `${k}-fenced`, requestHash: 'h', response: {} } }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SlotNotOwnedError);
      expect(await slotColumn(databases, 0, `${k}-fenced`)).toBeUndefined();
    } finally {
      await grantSlots(databases.shard(0), [slotOf(a)], 1);
    }
  });

  it('findCommandResultsByPrefix reads the keys starting with the prefix, in id order, its LIKE wildcards taken literally', async () => {
    const [a] = businesses(1, 'prefix');
    const k = `p_%!${randomUUID()}`;
    for (const suffix of ['#shard2', '#shard0', '#shard0#moved-00']) await store.append(keyed(0, `${k}${suffix}`, [a]));
    await store.append(keyed(0, `pX%!${k.slice(4)}#shard0`, [a])); // would match if `_` were a wildcard
    const found = await store.findCommandResultsByPrefix(0, `${k}#shard`);
    expect(found.map((f) => f.commandId)).toEqual([`${k}#shard0`, `${k}#shard0#moved-00`, `${k}#shard2`]);
    expect(found[0]).toEqual({ commandId: `${k}#shard0`, requestHash: 'h', response: { ok: true } });
  });

  describe('copy of a slot group to a new owner', () => {
    let moving: string[];
    let staying: string;
    const k = `c-${randomUUID()}`;
    const expected: string[] = [];

    /** Runs a pass to its end, one chunk per call (as the saga's jobs), returning the calls made. */
    async function pass(target: number, cursor: ProcessedCommandsCopyCursor, chunkRows: number, maxCalls = 1000) {
      const steps = [];
      let at = cursor;
      while (!at.done && steps.length < maxCalls) {
        const step = await copyProcessedCommandsOfSlots(databases.shard(0), databases.shard(target), moving.map(slotOf), at, { chunkRows });
        expect(step.read).toBeLessThanOrEqual(chunkRows);
        steps.push(step);
        at = step.cursor;
      }
      return { steps, cursor: at };
    }

    beforeAll(async () => {
      const [m1, m2, s] = businesses(3, 'copy');
      moving = [m1, m2];
      staying = s;
      // Slot keys: 5 per moving slot, 3 of a slot that stays.
      for (let i = 0; i < 5; i++) {
        await store.append(keyed(0, `${k}-m1-${i}`, [m1]));
        await store.append(keyed(0, `${k}-m2-${i}`, [m2]));
        expected.push(`${k}-m1-${i}`, `${k}-m2-${i}`);
      }
      for (let i = 0; i < 3; i++) await store.append(keyed(0, `${k}-s-${i}`, [staying]));
      // Batch parts spanning slots (slot NULL): copied when their items name a moving business.
      const items = (bs: string[]) => bs.map((b, index) => ({ index, status: 201, id: `r${index}`, version: 1, business_id: b }));
      await store.appendBatch(keyed(0, `${k}#shard0`, [staying, m2], items([staying, m2])));
      const elsewhere = businesses(20, 'copy-x').find((b) => ![m1, m2, s].map(slotOf).includes(slotOf(b)))!;
      await store.appendBatch(keyed(0, `${k}-other#shard0`, [staying, elsewhere], items([staying, elsewhere])));
      expected.push(`${k}#shard0`);
      // Keys stored before migration 0008 (slot NULL): a single command's record answer names its business.
      const old = (key: string, business: string) => ({ command_id: key, request_hash: 'h', response: JSON.stringify({ id: '1', business_id: business, version: 1 }), created_time: new Date(), slot: null });
      await databases.shard(0)('processed_commands').insert([old(`${k}-old-m1`, m1), old(`${k}-old-s`, staying)]);
      expected.push(`${k}-old-m1`);
      expected.sort();
    });

    it('copies exactly the moving slots\' keys, in bounded chunks, unchanged', async () => {
      const { steps } = await pass(1, processedCommandsCopyStart(moving.map(slotOf)), 3);
      expect(steps.length).toBeGreaterThan(3); // 5 + 5 slot keys at 3 a call, then the NULL ones
      expect(steps.reduce((n, s) => n + s.copied, 0)).toBe(expected.length);
      expect(await keysOn(databases, 1, k)).toEqual(expected);
      const [source, copy] = await Promise.all(
        [0, 1].map((shard) => databases.shard(shard)('processed_commands').whereIn('command_id', expected).orderBy('command_id').select('command_id', 'request_hash', 'response', 'created_time', 'slot')),
      );
      expect(copy).toEqual(source);
    });

    it('a re-run (a crash lost the cursor mid-pass) copies nothing twice and ends with the same keys', async () => {
      const partial = await pass(2, processedCommandsCopyStart(moving.map(slotOf)), 2, 3);
      expect(partial.cursor.done).toBe(false);
      const rerun = await pass(2, processedCommandsCopyStart(moving.map(slotOf)), 2);
      expect(partial.steps.reduce((n, s) => n + s.copied, 0) + rerun.steps.reduce((n, s) => n + s.copied, 0)).toBe(expected.length);
      expect(await keysOn(databases, 2, k)).toEqual(expected);
      const again = await pass(2, processedCommandsCopyStart(moving.map(slotOf)), 100);
      expect(again.steps.reduce((n, s) => n + s.copied, 0)).toBe(0);
    });

    it('a catch-up pass from `since` finds keys written after the backfill, and reads only from then on', async () => {
      // Every earlier key was stamped before this (a catch-up's `since` is a previous pass's start minus a settle window).
      await new Promise((resolve) => setTimeout(resolve, 20));
      const since = new Date();
      await store.append(keyed(0, `${k}-late`, [moving[0]]));
      const { steps } = await pass(1, processedCommandsCopyStart(moving.map(slotOf), since), 100);
      expect(steps.reduce((n, s) => n + s.copied, 0)).toBe(1);
      expect(await keysOn(databases, 1, `${k}-late`)).toEqual([`${k}-late`]);
      const readAll = steps.reduce((n, s) => n + s.read, 0);
      expect(readAll).toBe(1);
    });

    it('a `since` pass reads every slot in one query (it runs inside the cutover pause), in time order across slots, chunk by chunk', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const since = new Date();
      const late = [`${k}-t0`, `${k}-t1`, `${k}-t2`, `${k}-t3`];
      for (const [i, key] of late.entries()) {
        await store.append(keyed(0, key, [moving[i % 2]]));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const selects: string[] = [];
      const count = (q: { sql: string }) => void (/^select/i.test(q.sql) && selects.push(q.sql));
      databases.shard(0).on('query', count);
      try {
        const whole = await pass(3, processedCommandsCopyStart(moving.map(slotOf), since), 100);
        expect(whole.steps.reduce((n, s) => n + s.copied, 0)).toBe(late.length);
        // One query for both slots, one for the keys without a slot (before: one per slot, then that one).
        expect(selects).toHaveLength(2);
        expect(selects[0]).toMatch(/`slot` in \(/i);
      } finally {
        databases.shard(0).removeListener('query', count);
      }
      // One row a call: the keys of both slots come in the order they were written, each once.
      const readInOrder: string[] = [];
      let at = processedCommandsCopyStart(moving.map(slotOf), since);
      for (let calls = 0; !at.done && calls < 20; calls++) {
        const step = await copyProcessedCommandsOfSlots(databases.shard(0), databases.shard(1), moving.map(slotOf), at, { chunkRows: 1 });
        if (step.cursor.slot !== null && step.cursor.after) readInOrder.push(step.cursor.after.commandId);
        at = step.cursor;
      }
      expect(at.done).toBe(true);
      expect(readInOrder).toEqual(late);
      expect(await keysOn(databases, 1, `${k}-t`)).toEqual(late);
    });

    it('delete removes the slots\' keyed rows chunk by chunk and leaves the NULL-slot ones', async () => {
      const slots = moving.map(slotOf);
      const deleted: number[] = [];
      for (let n = -1; n !== 0; ) deleted.push((n = await deleteProcessedCommandsOfSlots(databases.shard(2), slots, { chunkRows: 4 })));
      expect(deleted).toEqual([4, 4, 2, 0]);
      expect(await keysOn(databases, 2, k)).toEqual([`${k}#shard0`, `${k}-old-m1`]);
      expect(await keysOn(databases, 0, `${k}-s-`)).toHaveLength(3);
    });
  });
});
