import { AppendCommand, InMemoryEventStore, SlotNotOwnedError } from '@shardline/event-store';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { SlotMap, SlotMapShardRouter, slotOf } from '@shardline/sharding';
import { InMemoryRecordState } from '../in-memory/in-memory-record-state';
import { RecordStateChange } from '../ports/record-state.port';
import { ctx } from '../testing/in-memory-records.spec-helper';
import { CreateRecord } from './create-record/create-record.command';
import { CreateRecordHandler } from './create-record/create-record.handler';
import { RecordCommandRunner } from './record-command.runner';

/**
 * docs/adr/0007: a shard refuses a write to a slot it does not own (SlotNotOwnedError, nothing
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
    const refuseUnowned = (command: AppendCommand<RecordStateChange>) => {
      if (command.writes.length > 0 && ownerOfSlot() !== command.shard) throw new SlotNotOwnedError(command.shard, [slotOf(businessId)]);
    };
    const store = Object.assign(Object.create(memory) as InMemoryEventStore<RecordStateChange>, {
      append: async (command: AppendCommand<RecordStateChange>) => (refuseUnowned(command), memory.append(command)),
    });
    const router = new SlotMapShardRouter(SlotMap.modulo(4), 1);
    let refreshes = 0;
    router.refreshWith(async () => {
      const next = reloads[Math.min(refreshes++, reloads.length - 1)];
      router.replace(next(), router.version + 1);
    });
    const create = new CreateRecordHandler(new RecordCommandRunner(store, state, router, () => new Date(), new SnowflakeIdGenerator(5)));
    return { state, create, refreshes: () => refreshes };
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
});
