import { randomUUID } from 'node:crypto';
import { AppendCommand, AppendOutcome, monthKeyOf } from '@shardline/event-store';
import { slotOf } from '@shardline/sharding';
import { businessOnShard } from '../support/business-on-shard';
import { groupingFixture } from '../support/grouping-event-store';

/** One event on `streamId` at expectedVersion + 1, under a client key when `commandId` is given. */
function append(shard: number, streamId: string, expectedVersion: number, commandId?: string, businessId = businessOnShard(shard)): AppendCommand {
  return {
    shard,
    writes: [
      {
        streamId,
        partitionMonth: monthKeyOf(new Date()),
        expectedVersion,
        partitionKey: businessId,
        state: null,
        events: [{ type: `E${expectedVersion + 1}`, schemaVersion: 1, data: { streamId }, metadata: { eventId: randomUUID(), commandId: commandId ?? randomUUID(), correlationId: 'c', causationId: null, actor: null } }],
      },
    ],
    idempotency: commandId ? { commandId, requestHash: `h-${streamId}`, response: { streamId } } : undefined,
  };
}

const fresh = () => `s-${randomUUID()}`;

/**
 * Group commit against MariaDB (docs: README "Group commit"): concurrent single appends of a shard
 * go as one transaction, yet each keeps its own outcome — its version check, its idempotency key,
 * its error — and a transaction lost as a whole acknowledges none of them. Every test first proves
 * its appends really shared one group (the metrics' group sizes), else it would prove nothing.
 */
describe('group commit on MariaDB: one transaction, an outcome per command', () => {
  // A group held at the fence waits there until killed, however slow the machine (not 3 s, then a contention error).
  const fixture = groupingFixture({ lockWaitTimeoutS: 30 });

  /** Appends `commands` concurrently, asserts they left as ONE group, returns each outcome in order. */
  async function asOneGroup(commands: AppendCommand[]): Promise<Array<PromiseSettledResult<AppendOutcome>>> {
    fixture.groupSizes.length = 0;
    const settled = await Promise.allSettled(commands.map((command) => fixture.store.append(command)));
    expect(fixture.groupSizes[0]).toBe(commands.length);
    return settled;
  }

  async function versionsOf(shard: number, streamId: string): Promise<Array<[number, string]>> {
    return (await fixture.databases.shard(shard)('events').where({ stream_id: streamId }).orderBy('stream_version').select('stream_version', 'event_type')).map(
      (r: { stream_version: number; event_type: string }): [number, string] => [Number(r.stream_version), r.event_type],
    );
  }

  async function outboxCount(shard: number, streamId: string): Promise<number> {
    return Number((await fixture.databases.shard(shard)('outbox').where({ stream_id: streamId }).count({ n: '*' }))[0].n);
  }

  it('appends of one stream inside a group land in submission order with consecutive versions, each in the outbox', async () => {
    const stream = fresh();
    const others = [fresh(), fresh()];
    const settled = await asOneGroup([append(0, stream, 0), append(0, others[0], 0), append(0, stream, 1), append(0, others[1], 0), append(0, stream, 2)]);
    expect(settled.every((r) => r.status === 'fulfilled' && r.value.kind === 'appended')).toBe(true);
    expect(await versionsOf(0, stream)).toEqual([
      [1, 'E1'],
      [2, 'E2'],
      [3, 'E3'],
    ]);
    expect(await outboxCount(0, stream)).toBe(3);
    for (const other of others) expect(await versionsOf(0, other)).toEqual([[1, 'E1']]);
  });

  it('a member with a stale version fails alone with VERSION_CONFLICT; the group around it lands, its own stream untouched', async () => {
    const stale = fresh();
    await fixture.store.append(append(1, stale, 0));
    const good = Array.from({ length: 8 }, () => fresh());
    const commands = [...good.slice(0, 4).map((s) => append(1, s, 0)), append(1, stale, 0), ...good.slice(4).map((s) => append(1, s, 0))];
    const settled = await asOneGroup(commands);
    expect(settled[4]).toMatchObject({ status: 'rejected', reason: { code: 'EVENT_STORE.VERSION_CONFLICT' } });
    for (const [i, result] of settled.entries()) if (i !== 4) expect(result).toEqual({ status: 'fulfilled', value: { kind: 'appended' } });
    for (const s of good) expect(await versionsOf(1, s)).toEqual([[1, 'E1']]);
    expect(await versionsOf(1, stale)).toEqual([[1, 'E1']]);
  });

  it('a client key repeated inside one group: the first lands, the second answers duplicate with the first one’s stored response and writes nothing', async () => {
    const key = `key-${randomUUID()}`;
    const [first, second] = [fresh(), fresh()];
    const good = [fresh(), fresh(), fresh()];
    const settled = await asOneGroup([append(2, good[0], 0), append(2, first, 0, key), append(2, good[1], 0), append(2, second, 0, key), append(2, good[2], 0)]);
    expect(settled[1]).toEqual({ status: 'fulfilled', value: { kind: 'appended' } });
    expect(settled[3]).toEqual({ status: 'fulfilled', value: { kind: 'duplicate', stored: { commandId: key, requestHash: `h-${first}`, response: { streamId: first } } } });
    for (const i of [0, 2, 4]) expect(settled[i]).toEqual({ status: 'fulfilled', value: { kind: 'appended' } });
    expect(await versionsOf(2, first)).toEqual([[1, 'E1']]);
    expect(await versionsOf(2, second)).toEqual([]);
    expect(await outboxCount(2, second)).toBe(0);
    for (const s of good) expect(await versionsOf(2, s)).toEqual([[1, 'E1']]);
  });

  it('the group transaction lost mid-way (its connection killed): every member fails SHARD_UNAVAILABLE and nothing of any is written', async () => {
    const shard = 3;
    const businessId = businessOnShard(shard);
    const streams = Array.from({ length: 6 }, () => fresh());
    const keys = streams.map((_, i) => (i % 2 === 0 ? `key-${randomUUID()}` : undefined));
    // Hold the slot row the fence reads in share mode: the group's transaction blocks at its first
    // statement, where it is found and killed (the server rolls it back; the client sees the loss).
    const holder = await fixture.databases.writer(shard).getConnection();
    try {
      await holder.query(`BEGIN; SELECT slot FROM owned_slots WHERE slot = ${slotOf(businessId)} FOR UPDATE`);
      fixture.groupSizes.length = 0;
      const pending = Promise.allSettled(streams.map((s, i) => fixture.store.append(append(shard, s, 0, keys[i], businessId))));
      const victim = await blockedOn(shard, 'owned_slots');
      await fixture.databases.shard(shard).raw(`KILL CONNECTION ${victim}`);
      const settled = await pending;
      expect(fixture.groupSizes[0]).toBe(streams.length);
      for (const result of settled) expect(result).toMatchObject({ status: 'rejected', reason: { code: 'EVENT_STORE.SHARD_UNAVAILABLE' } });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    for (const s of streams) {
      expect(await versionsOf(shard, s)).toEqual([]);
      expect(await outboxCount(shard, s)).toBe(0);
    }
    for (const key of keys) if (key) expect(await fixture.store.findCommandResult(shard, key)).toBeNull();
    // The shard is fine: the same commands go through afterwards, each once.
    const again = await asOneGroup(streams.map((s, i) => append(shard, s, 0, keys[i], businessId)));
    expect(again.every((r) => r.status === 'fulfilled' && r.value.kind === 'appended')).toBe(true);
    for (const s of streams) expect(await versionsOf(shard, s)).toEqual([[1, 'E1']]);
  });

  /** The id of the connection whose statement waits on `table` in the shard's database (polled: the group's window must pass first). */
  async function blockedOn(shard: number, table: string): Promise<number> {
    const database = fixture.dbs.config.shards[shard].database;
    for (let i = 0; i < 200; i++) {
      const [rows] = await fixture.databases
        .shard(shard)
        .raw("SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE ? AND info NOT LIKE '%processlist%' AND id <> CONNECTION_ID()", [database, `%${table}%`]);
      const found = (rows as Array<{ id: number }>).filter((r) => r.id);
      if (found.length === 1) return Number(found[0].id);
      if (found.length > 1) throw new Error(`${found.length} statements wait on ${table}; expected the one group`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no statement blocked on ${table} within 2 s`);
  }
});
