import { InMemoryEventStore } from './in-memory-event-store';

/** As the MySQL store's (test/sharding/processed-commands-slot.int.spec.ts): the batch handler reads a key's parts this way. */
describe('in-memory findCommandResultsByPrefix', () => {
  it('given keys under several prefixes, when read by one, then those starting with it come in id order, the prefix taken literally', async () => {
    const store = new InMemoryEventStore<unknown>(2);
    const remember = (shard: number, commandId: string) => store.append({ shard, writes: [], idempotency: { commandId, requestHash: 'h', response: { commandId } } });
    for (const id of ['k_1#shard2', 'k_1#shard0', 'k_1#shard0#moved-00', 'kX1#shard0', 'other']) await remember(0, id);
    await remember(1, 'k_1#shard1');
    const found = await store.findCommandResultsByPrefix(0, 'k_1#shard');
    expect(found.map((f) => f.commandId)).toEqual(['k_1#shard0', 'k_1#shard0#moved-00', 'k_1#shard2']);
    expect(found[0]).toEqual({ commandId: 'k_1#shard0', requestHash: 'h', response: { commandId: 'k_1#shard0' } });
    expect(await store.findCommandResultsByPrefix(1, 'missing')).toEqual([]);
  });
});
