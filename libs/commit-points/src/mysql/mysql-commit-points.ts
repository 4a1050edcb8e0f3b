import type { Knex } from 'knex';
import { InternalError } from '@shardline/errors';
import { guardControl } from '@shardline/sharding/mysql';
import type { CommitPoints, CommitPointStatus } from '../commit-points.port';

/**
 * CommitPoints on the control database (`commit_points`, migrations/control/0003). A control
 * database that cannot be reached is CONTROL_DB.UNAVAILABLE (503, retriable), never a bare driver error.
 */
export class MysqlCommitPoints implements CommitPoints {
  constructor(private readonly control: Knex) {}

  open(id: string): Promise<void> {
    return guardControl(async () => {
      await this.control.raw("INSERT IGNORE INTO commit_points (id, status, created_time) VALUES (?, 'pending', NOW(3))", [id]);
    });
  }

  commit(id: string): Promise<CommitPointStatus> {
    return this.decide(id, 'committed');
  }

  void(id: string): Promise<CommitPointStatus> {
    return this.decide(id, 'voided');
  }

  statusOf(ids: readonly string[]): Promise<Map<string, CommitPointStatus>> {
    return guardControl(() => this.statusOfUnguarded(ids));
  }

  private async statusOfUnguarded(ids: readonly string[]): Promise<Map<string, CommitPointStatus>> {
    const statuses = new Map<string, CommitPointStatus>(ids.map((id) => [id, 'pending']));
    if (ids.length === 0) return statuses;
    const rows: Array<{ id: string; status: CommitPointStatus }> = await this.control('commit_points').whereIn('id', [...new Set(ids)]).select('id', 'status');
    for (const row of rows) statuses.set(row.id, row.status);
    return statuses;
  }

  /** One conditional UPDATE decides; reading the row back tells the loser what won. */
  private decide(id: string, to: 'committed' | 'voided'): Promise<CommitPointStatus> {
    return guardControl(() => this.decideUnguarded(id, to));
  }

  private async decideUnguarded(id: string, to: 'committed' | 'voided'): Promise<CommitPointStatus> {
    await this.control.raw("UPDATE commit_points SET status = ?, decided_time = NOW(3) WHERE id = ? AND status = 'pending'", [to, id]);
    const row = await this.control('commit_points').where({ id }).first('status');
    if (!row) throw new InternalError('COMMIT_POINT.MISSING', `commit point ${id} was never opened`);
    return row.status as CommitPointStatus;
  }
}
