import { grantSlots, MysqlSlotMapStore, revokeSlots, ShardDatabases } from '@shardline/sharding/mysql';

/**
 * What a cutover does to one slot's ownership (docs/adr/0008; no data is copied here): the old
 * owner revokes, the new owner is granted the next epoch, then the map is flipped (version bumped).
 */
export async function moveSlotOwnership(databases: ShardDatabases, slot: number, from: number, to: number): Promise<void> {
  const store = new MysqlSlotMapStore(databases.control);
  await revokeSlots(databases.shard(from), [slot]);
  const { epoch } = (await store.ownership())[slot];
  await grantSlots(databases.shard(to), [slot], epoch + 1);
  await store.assign([slot], to);
}
