import { AppendCommand, InMemoryEventStore, SlotNotOwnedError } from '@shardline/event-store';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { SlotMap, SlotMapShardRouter, slotOf } from '@shardline/sharding';
import { InMemoryRecordState } from '../in-memory/in-memory-record-state';
import { RecordStateChange } from '../ports/record-state.port';
import { ctx } from '../testing/in-memory-records.spec-helper';
import { CreateRecord } from './create-record/create-record.command';
import { CreateRecordHandler } from './create-record/create-record.handler';
import { CreateRecordsBatch } from './create-records-batch/create-records-batch.command';
import { CreateRecordsBatchHandler } from './create-records-batch/create-records-batch.handler';
import { BatchResult } from './create-records-batch/create-records-batch.result';
import { RecordCommandRunner } from './record-command.runner';

/**
 * docs/adr/0008: a shard refuses a write to a slot it does not own (SlotNotOwnedError, nothing
 * written). The runner reloads the map and addresses the owner; while no shard owns the slot (a
 * cutover), it waits and reloads again.
 */
describe('a write refused by its shard for a moved slot is addressed again after a map reload', () => {
  const businessId = 'acme';
  const from = SlotMap.modulo(4).shardFor(businessId);
  const to = (from + 1) % 4;
  const movedMap = SlotMap.fromAssignments(4, SlotMap.modulo(4).assignments().map((a) => (a.slot === slotOf(businessId) ? { ...a, shard: to } : a)));

  function setup(ownerOfSlot: () => number | null, reloads: Array<() => SlotMap>) {
    const state = new InMemoryRecordState();
    const memory = new InMemoryEventStore<RecordStateChange>(4, state);
    // The shards' owned_slots, as the fence reads them.
    const ownerOf = (business: string) => (slotOf(business) === slotOf(businessId) ? ownerOfSlot() : SlotMap.modulo(4).shardFor(business));
    const refuseUnowned = (command: AppendCommand<RecordStateChange>) => {
      const lost = command.writes.filter((w) => ownerOf(w.partitionKey) !== command.shard).map((w) => slotOf(w.partitionKey));
      if (lost.length > 0) throw new SlotNotOwnedError(command.shard, lost);
    };
    const store = Object.assign(Object.create(memory) as InMemoryEventStore<RecordStateChange>, {
      append: async (command: AppendCommand<RecordStateChange>) => (refuseUnowned(command), memory.append(command)),
      appendBatch: async (command: AppendCommand<RecordStateChange>) => (refuseUnowned(command), memory.appendBatch(command)),
    });
    const router = new SlotMapShardRouter(SlotMap.modulo(4), 1);
    let refreshes = 0;
    router.refreshWith(async () => {
      const next = reloads[Math.min(refreshes++, reloads.length - 1)];
      router.replace(next(), router.version + 1);
    });
    const ids = new SnowflakeIdGenerator(5);
    const create = new CreateRecordHandler(new RecordCommandRunner(store, state, router, () => new Date(), ids));
    const batch = new CreateRecordsBatchHandler(store, router, ids, () => new Date());
    return { state, create, batch, refreshes: () => refreshes };
  }

  it('given a stale map, when the old shard refuses, then one reload sends the write to the new owner', async () => {
    const { state, create, refreshes } = setup(() => to, [() => movedMap]);
    const outcome = await create.execute(new CreateRecord({ businessId, userId: '7', dataContent: { n: 1 } }, ctx()));
    expect(outcome.status).toBe(201);
    expect(refreshes()).toBe(1);
    expect(await state.get(to, businessId, outcome.response.id)).not.toBeNull();
    expect(await state.get(from, businessId, outcome.response.id)).toBeNull();
  });

  it('given a cutover holding the slot, when reloads still name the old owner, then it retries until the new map arrives', async () => {
    let owner: number | null = null;
    const { state, create, refreshes } = setup(
      () => owner,
      [
        () => SlotMap.modulo(4),
        () => {
          owner = to; // the cutover granted the new owner and flipped the map
          return movedMap;
        },
      ],
    );
    const outcome = await create.execute(new CreateRecord({ businessId, userId: '7', dataContent: { n: 1 } }, ctx()));
    expect(outcome.status).toBe(201);
    expect(refreshes()).toBe(2);
    expect(await state.get(to, businessId, outcome.response.id)).not.toBeNull();
  });

  it('given a stale map, when a batch part is refused, then its records are split by the reloaded map and all land (201)', async () => {
    const { state, batch, refreshes } = setup(() => to, [() => movedMap]);
    let neighbour = 'n-0';
    for (let i = 1; SlotMap.modulo(4).shardFor(neighbour) !== from || slotOf(neighbour) === slotOf(businessId); i++) neighbour = `n-${i}`;
    const records = [businessId, neighbour, businessId].map((b, i) => ({ businessId: b, userId: '7', dataContent: { i } }));
    const outcome = await batch.execute(new CreateRecordsBatch({ records, atomic: false }, ctx('batch-key', true)));
    const results = (outcome.response as BatchResult).results;
    expect(outcome.status).toBe(201);
    const idOf = (i: number) => (results[i] as { id: string }).id;
    expect(refreshes()).toBe(1);
    expect(await state.get(to, businessId, idOf(0))).not.toBeNull();
    expect(await state.get(from, neighbour, idOf(1))).not.toBeNull();
    expect(await state.get(to, businessId, idOf(2))).not.toBeNull();
  });

  /** A neighbour of the moved business that the old map already sends to the new owner. */
  function onNewOwner(): string {
    let other = 'o-0';
    for (let i = 1; SlotMap.modulo(4).shardFor(other) !== to; i++) other = `o-${i}`;
    return other;
  }

  it('given a stale map, when a part is rerouted onto a shard holding another part of the same keyed batch, then both land under their own keys and a retry answers the same', async () => {
    const { state, batch } = setup(() => to, [() => movedMap]);
    const other = onNewOwner();
    const records = [businessId, other].map((b, i) => ({ businessId: b, userId: '7', dataContent: { i } }));
    const send = () => batch.execute(new CreateRecordsBatch({ records, atomic: false }, ctx('batch-key-2', true)));
    const outcome = await send();
    const results = (outcome.response as BatchResult).results as Array<{ index: number; status: number; id: string }>;
    expect(outcome.status).toBe(201);
    expect(results.map((r) => r.index).sort()).toEqual([0, 1]); // before the fix: r1's answer twice, r0 never written
    expect(await state.get(to, businessId, results.find((r) => r.index === 0)!.id)).not.toBeNull();
    expect(await state.get(to, other, results.find((r) => r.index === 1)!.id)).not.toBeNull();
    // The client's retry, routed by the new map: r0 and r1 in ONE part of shard `to`, whose plain key
    // remembers r1; r0 is found under the re-split part's key. Same answer, nothing written again.
    const retried = (await send()).response as BatchResult;
    const byIndex = (r: BatchResult) => [...r.results].sort((a, b) => a.index - b.index);
    expect(byIndex(retried)).toEqual(byIndex(outcome.response as BatchResult));
  });

  it('given a retry split differently than the first attempt, when a record is remembered under none of its keys, then it is written once (it never was) and the rest answered from their part', async () => {
    const { batch } = setup(() => to, [() => movedMap]);
    const other = onNewOwner();
    const records = [businessId, other].map((b, i) => ({ businessId: b, userId: '7', dataContent: { i } }));
    const send = () => batch.execute(new CreateRecordsBatch({ records, atomic: false }, ctx('batch-key-3', true)));
    // Another shape of history: r0's re-split part was refused on the first try (a cutover holding the slot).
    const store = (batch as unknown as { store: { appendBatch: (c: AppendCommand<RecordStateChange>) => Promise<unknown> } }).store;
    const appendBatch = store.appendBatch.bind(store);
    let refuseResplit = true;
    const writtenKeys: string[] = [];
    store.appendBatch = async (c) => {
      if (refuseResplit && c.idempotency?.commandId.includes('#moved-')) throw new SlotNotOwnedError(c.shard, [slotOf(businessId)]);
      writtenKeys.push(c.idempotency?.commandId ?? '-');
      return appendBatch(c);
    };
    const first = (await send()).response as BatchResult;
    expect(first.results.find((r) => r.index === 1)).toMatchObject({ status: 201 });
    expect(first.results.find((r) => r.index === 0)).toMatchObject({ status: 503 });
    refuseResplit = false;
    writtenKeys.length = 0;
    // The retry: r0 and r1 in ONE part of shard `to`, whose plain key remembers r1 only.
    const retried = (await send()).response as BatchResult;
    expect(retried.results.find((r) => r.index === 1)).toEqual(first.results.find((r) => r.index === 1));
    expect(retried.results.find((r) => r.index === 0)).toMatchObject({ status: 201, business_id: businessId });
    expect(writtenKeys).toHaveLength(1); // r0 alone, under a key of its own (the plain one is r1's)
    expect(writtenKeys[0]).toMatch(/^batch-key-3#shard\d#moved-/);
    // And again: both answered, nothing written.
    writtenKeys.length = 0;
    const again = (await send()).response as BatchResult;
    expect(again.results).toEqual(retried.results);
    expect(writtenKeys).toEqual([]);
  });

  it('given a part of another shard copied here with its moved slot, when the retry routes its record here, then it is answered from that part, not written again', async () => {
    // First try under the old map: r0 lands on `from` (its owner then) under `batch-key-4#shard<from>`.
    let owner = from;
    const { batch, state } = setup(() => owner, [() => movedMap]);
    const records = [{ businessId, userId: '7', dataContent: { n: 1 } }];
    const send = () => batch.execute(new CreateRecordsBatch({ records, atomic: false }, ctx('batch-key-4', true)));
    const first = (await send()).response as BatchResult;
    const created = first.results[0] as { status: number; id: string };
    expect(created.status).toBe(201);
    // The slot moves: its record and the part key go to `to` (slot-moves' copy and copyProcessedCommandsOfSlots), the map flips.
    const memory = Object.getPrototypeOf((batch as unknown as { store: object }).store) as InMemoryEventStore<RecordStateChange>;
    const part = await memory.findCommandResult(from, `batch-key-4#shard${from}`);
    expect(part).not.toBeNull();
    await memory.append({ shard: to, writes: [], idempotency: part! });
    owner = to;
    const router = (batch as unknown as { router: SlotMapShardRouter }).router;
    router.replace(movedMap, router.version + 1);
    const store = (batch as unknown as { store: { appendBatch: (c: AppendCommand<RecordStateChange>) => Promise<unknown> } }).store;
    const appendBatch = store.appendBatch.bind(store);
    let writes = 0;
    store.appendBatch = async (c) => (writes++, appendBatch(c));
    const retried = (await send()).response as BatchResult;
    expect(retried.results).toEqual(first.results); // the same id: a second write would have minted another
    expect(writes).toBe(0);
    expect(await state.get(from, businessId, created.id)).not.toBeNull();
  });
});
