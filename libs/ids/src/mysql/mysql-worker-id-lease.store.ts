import type { Knex } from 'knex';
import { guardControl } from '@shardline/sharding/mysql';
import { MAX_WORKER_ID } from '../snowflake';
import type { WorkerIdHolder, WorkerIdLeaseStore } from '../worker-id-lease';

const TABLE = 'snowflake_worker_leases';
/** Free ids tried per acquire before reading the table again (another process may take the same one). */
const TRIES_PER_READ = 8;

interface AffectedRows {
  affectedRows: number;
}

/**
 * Worker-id leases in the control database (migration control/0006). Each statement is atomic on
 * the lease row and every time in it is the server's NOW(3), so expiry is judged by one clock for
 * every process. A lease is taken by INSERT (never held) or by an UPDATE that only matches an
 * expired lease; a renewal only matches the holder's own token.
 */
export class MysqlWorkerIdLeaseStore implements WorkerIdLeaseStore {
  constructor(private readonly control: Knex) {}

  acquire(holder: WorkerIdHolder, ttlMs: number, preferred?: number): Promise<number | null> {
    return guardControl(async () => {
      if (preferred !== undefined && (await this.take(preferred, holder, ttlMs))) return preferred;
      for (let read = 0; read < 4; read++) {
        const rows: Array<{ worker_id: number; expired: number }> = await this.control(TABLE).select('worker_id', this.control.raw('lease_until < NOW(3) AS expired'));
        const known = new Map(rows.map((row) => [Number(row.worker_id), Number(row.expired) === 1]));
        // Never-used ids first, then expired ones; picked at random, so processes starting together rarely race for the same row.
        const never: number[] = [];
        for (let id = 0; id <= MAX_WORKER_ID; id++) if (!known.has(id)) never.push(id);
        const expired = [...known].filter(([, isExpired]) => isExpired).map(([id]) => id);
        const candidates = [...pick(never, TRIES_PER_READ), ...pick(expired, TRIES_PER_READ)].slice(0, TRIES_PER_READ);
        if (candidates.length === 0) return null;
        for (const id of candidates) if (await this.take(id, holder, ttlMs)) return id;
      }
      return null;
    });
  }

  renew(workerId: number, holder: WorkerIdHolder, ttlMs: number): Promise<boolean> {
    return guardControl(async () => {
      const [result] = await this.control.raw(`UPDATE ${TABLE} SET lease_until = NOW(3) + INTERVAL ? MICROSECOND, renewed_at = NOW(3) WHERE worker_id = ? AND holder = ?`, [
        ttlMs * 1000,
        workerId,
        holder.token,
      ]);
      return (result as AffectedRows).affectedRows === 1;
    });
  }

  release(workerId: number, holder: WorkerIdHolder): Promise<void> {
    return guardControl(async () => {
      // Expired at once rather than deleted: the row keeps saying who held the id last.
      await this.control.raw(`UPDATE ${TABLE} SET lease_until = NOW(3) - INTERVAL 1 SECOND WHERE worker_id = ? AND holder = ?`, [workerId, holder.token]);
    });
  }

  private async take(workerId: number, holder: WorkerIdHolder, ttlMs: number): Promise<boolean> {
    const micros = ttlMs * 1000;
    const [inserted] = await this.control.raw(
      `INSERT IGNORE INTO ${TABLE} (worker_id, holder, holder_name, lease_until, acquired_at, renewed_at) VALUES (?, ?, ?, NOW(3) + INTERVAL ? MICROSECOND, NOW(3), NOW(3))`,
      [workerId, holder.token, holder.name, micros],
    );
    if ((inserted as AffectedRows).affectedRows === 1) return true;
    const [updated] = await this.control.raw(
      `UPDATE ${TABLE} SET holder = ?, holder_name = ?, lease_until = NOW(3) + INTERVAL ? MICROSECOND, acquired_at = NOW(3), renewed_at = NOW(3) WHERE worker_id = ? AND lease_until < NOW(3)`,
      [holder.token, holder.name, micros, workerId],
    );
    return (updated as AffectedRows).affectedRows === 1;
  }
}

/** Up to `count` of `ids` at random (partial Fisher–Yates on a copy). */
function pick(ids: number[], count: number): number[] {
  const pool = [...ids];
  const out: number[] = [];
  while (out.length < count && pool.length > 0) {
    const i = Math.floor(Math.random() * pool.length);
    out.push(pool[i]);
    pool[i] = pool[pool.length - 1];
    pool.pop();
  }
  return out;
}
