import type { Knex } from 'knex';
import { guardControl } from '@shardline/sharding/mysql';
import { OPEN_SAGA_STATUSES, sagaSummaryOf, type OpenSagaCount, type RunClaim, type SagaListFilter, type SagaStore, type SagaSummary } from '../ports/saga-store.port';
import { isFinished, type SagaState } from '../state/saga.state';

/** Payload chunks stay far below MariaDB's default max_allowed_packet (16 MiB). */
const PAYLOAD_CHUNK_BYTES = 1 << 20;

/**
 * SagaStore on the control database (tables of migrations/control/0002_sagas). The version
 * compare-and-set is the `WHERE version = ?` of one UPDATE, so concurrent deliveries of one job
 * cannot both move a saga. Every method runs under guardControl: a control database that cannot be
 * reached (refused, connect ETIMEDOUT, lost) is CONTROL_DB.UNAVAILABLE (503, retriable), not a bare
 * driver error that an api request would answer with 500.
 */
export class MysqlSagaStore implements SagaStore {
  constructor(private readonly control: Knex) {}

  create(state: SagaState, payload?: unknown): Promise<boolean> {
    return guardControl(() => this.createUnguarded(state, payload));
  }

  load(id: string): Promise<SagaState | null> {
    return guardControl(() => this.loadUnguarded(id));
  }

  loadPayload(id: string): Promise<unknown> {
    return guardControl(() => this.loadPayloadUnguarded(id));
  }

  save(state: SagaState, expectedVersion: number, options: { releaseRun?: string } = {}): Promise<boolean> {
    return guardControl(() => this.saveUnguarded(state, expectedVersion, options.releaseRun));
  }

  claimRun(state: SagaState, expectedVersion: number, run: { token: string; leaseMs: number }): Promise<RunClaim> {
    return guardControl(() => this.claimRunUnguarded(state, expectedVersion, run));
  }

  renewRun(id: string, token: string, leaseMs: number): Promise<boolean> {
    return guardControl(async () => {
      const updated = await this.control.raw('UPDATE sagas SET run_lease_until = NOW(3) + INTERVAL ? MICROSECOND WHERE id = ? AND run_token = ?', [leaseMs * 1000, id, token]);
      return affectedRows(updated) > 0;
    });
  }

  releaseRun(id: string, token: string): Promise<void> {
    return guardControl(async () => {
      await this.control.raw('UPDATE sagas SET run_token = NULL, run_lease_until = NULL WHERE id = ? AND run_token = ?', [id, token]);
    });
  }

  purgeFinishedPayloads(before: Date, limit: number): Promise<number> {
    return guardControl(() => this.purgeFinishedPayloadsUnguarded(before, limit));
  }

  list(filter: SagaListFilter): Promise<SagaSummary[]> {
    return guardControl(() => this.listUnguarded(filter));
  }

  findIdle(before: Date, limit: number): Promise<Array<{ id: string; version: number }>> {
    return guardControl(() => this.findIdleUnguarded(before, limit));
  }

  private async createUnguarded(state: SagaState, payload?: unknown): Promise<boolean> {
    return this.control.transaction(async (trx) => {
      const inserted = await trx.raw('INSERT IGNORE INTO sagas (id, type, status, version, state, created_time, updated_time) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        state.id,
        state.type,
        state.status,
        state.version,
        JSON.stringify(state),
        new Date(state.createdAt),
        new Date(state.updatedAt),
      ]);
      if (affectedRows(inserted) === 0) return false;
      if (payload !== undefined) {
        const bytes = Buffer.from(JSON.stringify(payload));
        for (let chunk = 0, offset = 0; offset < bytes.length || chunk === 0; chunk++, offset += PAYLOAD_CHUNK_BYTES) {
          await trx.raw('INSERT INTO saga_payloads (saga_id, chunk, data) VALUES (?, ?, ?)', [state.id, chunk, bytes.subarray(offset, offset + PAYLOAD_CHUNK_BYTES)]);
        }
      }
      return true;
    });
  }

  private async loadUnguarded(id: string): Promise<SagaState | null> {
    const row = await this.control('sagas').where({ id }).first('state');
    return row ? parseJson<SagaState>(row.state) : null;
  }

  private async loadPayloadUnguarded(id: string): Promise<unknown> {
    const rows: Array<{ data: Buffer }> = await this.control('saga_payloads').where({ saga_id: id }).orderBy('chunk').select('data');
    return rows.length === 0 ? null : JSON.parse(Buffer.concat(rows.map((r) => r.data)).toString('utf8'));
  }

  private async saveUnguarded(state: SagaState, expectedVersion: number, releaseRun: string | undefined): Promise<boolean> {
    // MariaDB assigns left to right, each seeing the columns already set: the lease before the token.
    const release = releaseRun === undefined ? '' : ', run_lease_until = IF(run_token <=> ?, NULL, run_lease_until), run_token = IF(run_token <=> ?, NULL, run_token)';
    const updated = await this.control.raw(`UPDATE sagas SET status = ?, version = ?, state = ?, updated_time = ?, finished_time = ?${release} WHERE id = ? AND version = ?`, [
      ...this.columnsOf(state),
      ...(releaseRun === undefined ? [] : [releaseRun, releaseRun]),
      state.id,
      expectedVersion,
    ]);
    return affectedRows(updated) > 0;
  }

  private async claimRunUnguarded(state: SagaState, expectedVersion: number, run: { token: string; leaseMs: number }): Promise<RunClaim> {
    const updated = await this.control.raw(
      `UPDATE sagas SET status = ?, version = ?, state = ?, updated_time = ?, finished_time = ?, run_token = ?, run_version = ?, run_lease_until = NOW(3) + INTERVAL ? MICROSECOND
        WHERE id = ? AND version = ? AND (run_token IS NULL OR run_lease_until <= NOW(3))`,
      [...this.columnsOf(state), run.token, expectedVersion, run.leaseMs * 1000, state.id, expectedVersion],
    );
    if (affectedRows(updated) > 0) return { outcome: 'claimed' };
    const [rows] = await this.control.raw('SELECT version, run_version, TIMESTAMPDIFF(MICROSECOND, NOW(3), run_lease_until) AS left_us FROM sagas WHERE id = ?', [state.id]);
    const row = (rows as Array<{ version: number; run_version: number | null; left_us: number | null }>)[0];
    if (!row || Number(row.version) !== expectedVersion) return { outcome: 'stale' };
    return { outcome: 'busy', busyForMs: Math.max(1, Math.ceil(Number(row.left_us ?? 0) / 1000)), sameVersion: Number(row.run_version) === expectedVersion };
  }

  private columnsOf(state: SagaState): Knex.Value[] {
    return [state.status, state.version, JSON.stringify(state), new Date(state.updatedAt), isFinished(state) && state.finishedAt ? new Date(state.finishedAt) : null];
  }

  private async purgeFinishedPayloadsUnguarded(before: Date, limit: number): Promise<number> {
    const ids: Array<{ id: string }> = await this.control('sagas').where('finished_time', '<', before).whereExists(this.control('saga_payloads').whereRaw('saga_payloads.saga_id = sagas.id').select(this.control.raw('1'))).limit(limit).select('id');
    if (ids.length === 0) return 0;
    await this.control('saga_payloads').whereIn('saga_id', ids.map((r) => r.id)).delete();
    return ids.length;
  }

  private async listUnguarded(filter: SagaListFilter): Promise<SagaSummary[]> {
    const query = this.control('sagas').select('state').orderBy([{ column: 'created_time', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit);
    if (filter.status) query.where('status', filter.status);
    if (filter.type) query.where('type', filter.type);
    if (filter.beforeId) {
      const cursor = this.control('sagas').where({ id: filter.beforeId }).select('created_time');
      query.where((q) => q.where('created_time', '<', cursor).orWhere((q2) => q2.where('created_time', '=', cursor).andWhere('id', '<', filter.beforeId!)));
    }
    const rows: Array<{ state: unknown }> = await query;
    return rows.map((r) => sagaSummaryOf(parseJson<SagaState>(r.state)));
  }

  private async findIdleUnguarded(before: Date, limit: number): Promise<Array<{ id: string; version: number }>> {
    const rows: Array<{ id: string; version: number }> = await this.control('sagas')
      .whereIn('status', ['running', 'compensating'])
      .andWhere('updated_time', '<', before)
      .orderBy('updated_time')
      .limit(limit)
      .select('id', 'version');
    return rows.map((r) => ({ id: r.id, version: Number(r.version) }));
  }

  async countOpen(): Promise<OpenSagaCount[]> {
    // A range of idx_status_updated: finished sagas (most of the table) are not read.
    const rows: Array<{ type: string; status: OpenSagaCount['status']; count: number | string; oldest: Date }> = await this.control('sagas')
      .whereIn('status', [...OPEN_SAGA_STATUSES])
      .groupBy('type', 'status')
      .select('type', 'status', this.control.raw('COUNT(*) AS count'), this.control.raw('MIN(updated_time) AS oldest'));
    return rows.map((r) => ({ type: r.type, status: r.status, count: Number(r.count), oldestUpdatedAt: new Date(r.oldest) }));
  }
}

function affectedRows(result: unknown): number {
  const header = Array.isArray(result) ? result[0] : result;
  return Number((header as { affectedRows?: number }).affectedRows ?? 0);
}

/** JSON columns arrive as text or already parsed, depending on server and driver version. */
function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
