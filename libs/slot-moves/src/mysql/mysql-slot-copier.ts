import type { ShardDatabases } from '@shardline/sharding/mysql';
import type { CatchUpCursor, CopyCursor } from '../slot-copy.cursors';
import type { BusinessIdCheckResult, CatchUpChunkResult, CatchUpOptions, ChunkOptions, CopyChunkResult, DeleteChunkResult, DeleteCursor, SlotCopier, VerifyOptions, VerifyResult } from '../slot-copier.port';
import { catchUpChunk } from './catch-up-chunk';
import { copyChunk } from './copy-chunk';
import { deleteSlotRows } from './delete-slot-rows';
import { eventsWithoutBusinessId } from './plan-checks';
import { verifySlots } from './verify-slots';

/** The SlotCopier port over the process's shard pools (shards registered later included). */
export class MysqlSlotCopier implements SlotCopier {
  constructor(private readonly databases: ShardDatabases) {}

  copyChunk(fromShard: number, toShard: number, slots: readonly number[], cursor: CopyCursor | null, options?: ChunkOptions): Promise<CopyChunkResult> {
    return copyChunk(this.databases.shard(fromShard), this.databases.shard(toShard), slots, cursor, options);
  }

  catchUpChunk(fromShard: number, toShard: number, slots: readonly number[], cursor: CatchUpCursor, options?: CatchUpOptions): Promise<CatchUpChunkResult> {
    return catchUpChunk(this.databases.shard(fromShard), this.databases.shard(toShard), slots, cursor, options);
  }

  verifySlots(fromShard: number, toShard: number, slots: readonly number[], options?: VerifyOptions): Promise<VerifyResult> {
    return verifySlots(this.databases.shard(fromShard), this.databases.shard(toShard), slots, options);
  }

  eventsWithoutBusinessId(shard: number, options?: { after?: string | null; scanRows?: number }): Promise<BusinessIdCheckResult> {
    return eventsWithoutBusinessId(this.databases.shard(shard), options);
  }

  deleteSlotRows(shard: number, slots: readonly number[], options?: { chunkRows?: number; cursor?: DeleteCursor | null }): Promise<DeleteChunkResult> {
    return deleteSlotRows(this.databases.shard(shard), slots, options);
  }
}
