import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink, RebuildableProjectionSink, SinkRejection } from '@shardline/projections';
import type { ClickHouseGateway } from '../clickhouse-gateway';
import {
  createDatabaseSql,
  createEventsTableSql,
  createHandoverTableSql,
  createLatestTableSql,
} from '../schema/analytics-ddl';
import { type AnalyticsTables, assertRebuildId, HANDOVER_TABLE, liveTables, rebuildTables, retiredTables } from '../schema/analytics-tables';
import { sqlQualifiedName, sqlString } from '../sql/sql-literals';
import { ensureDailyView } from '../schema/daily-view';
import { mapBatch, type MappedBatch } from './event-rows';
import { DailyRollup, minutesBefore } from '../rollup/daily-rollup';
import { EVERY_DAY } from '../rollup/rollup-tables';

export interface ClickHouseSinkOptions {
  /** The sink's clock: events of a UTC day before its today mark that day dirty in the rollup (tests). */
  now?: () => Date;
}

export const CLICKHOUSE_SINK_NAME = 'clickhouse';

/**
 * Writes record events into ClickHouse: one INSERT per table per batch (raw events, latest state).
 * Idempotent and order-insensitive by construction of the tables (ReplacingMergeTree on the
 * event's identity / on the record's version), so a redelivered or reordered batch is harmless.
 *
 * Failure modes: an event that can never be stored is returned as a rejection (dead-letter topic);
 * every ClickHouse error or timeout is thrown, so the runner retries the batch without committing
 * offsets. A partially written batch (raw inserted, latest not) is completed by that retry.
 */
export class ClickHouseProjectionSink implements RebuildableProjectionSink {
  readonly name = CLICKHOUSE_SINK_NAME;
  private readonly handoverTable;
  private readonly rollup: DailyRollup;
  private readonly now: () => Date;

  constructor(
    private readonly gateway: ClickHouseGateway,
    private readonly database: string,
    options: ClickHouseSinkOptions = {},
  ) {
    this.handoverTable = sqlQualifiedName(database, HANDOVER_TABLE);
    liveTables(database); // validates the database name now rather than at the first batch
    this.rollup = new DailyRollup(gateway, database);
    this.now = options.now ?? (() => new Date());
  }

  async prepare(): Promise<void> {
    await this.gateway.command(createDatabaseSql(this.database));
    await createTables(this.gateway, liveTables(this.database));
    await this.gateway.command(createHandoverTableSql(this.database));
    await ensureDailyView(this.gateway, this.database);
    await this.rollup.prepare();
  }

  async apply(envelopes: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> {
    const batch = mapBatch(envelopes);
    // Read on every batch, never cached: a rebuild relies on every live apply() that starts after
    // beginHandover() resolved writing to both table sets.
    const rebuildId = await this.currentHandover();
    await writeBatch(this.gateway, liveTables(this.database), batch);
    // After the insert: a rollup run that did not see these rows started before the mark (DailyRollup).
    // Live events are of the current hour, so this is nothing but just after the hour turns, in replays and resends.
    await this.rollup.markMinutesDirty(minutesBefore(this.now(), batch.events.map((e) => e.occurred_at)));
    if (rebuildId) await writeBatch(this.gateway, rebuildTables(this.database, rebuildId), batch);
    return batch.rejected;
  }

  /** A fresh, empty table set for a rebuild and a sink writing only to it. */
  async createRebuildTarget(rebuildId: string): Promise<ProjectionSink> {
    const tables = rebuildTables(this.database, rebuildId);
    await this.gateway.command(`DROP TABLE IF EXISTS ${tables.events}`);
    await this.gateway.command(`DROP TABLE IF EXISTS ${tables.latest}`);
    await createTables(this.gateway, tables);
    return new TableSetSink(this.gateway, tables);
  }

  async beginHandover(rebuildId: string): Promise<void> {
    assertRebuildId(rebuildId);
    const tables = rebuildTables(this.database, rebuildId);
    if (!(await this.tablesExist(tables))) throw new Error(`rebuild ${rebuildId} has no target tables: call createRebuildTarget first`);
    await this.setHandover(rebuildId);
  }

  /**
   * Renames the rebuilt tables into the live names (the old ones are parked as `*__before_<id>`)
   * in ONE RENAME statement, then ends the handover. The daily view reads the live table by name,
   * so it follows. A live apply() caught between the two steps writes to a table that no longer
   * exists, fails, and is retried by its runner after the handover ended. Safe to call again
   * after a partial failure.
   */
  async promote(rebuildId: string): Promise<void> {
    const live = liveTables(this.database);
    const next = rebuildTables(this.database, rebuildId);
    const parked = retiredTables(this.database, rebuildId);
    await this.rollup.markDirty([EVERY_DAY]);
    if (await this.tablesExist(next)) {
      await this.gateway.command(
        `RENAME TABLE ${live.events} TO ${parked.events}, ${next.events} TO ${live.events}, ${live.latest} TO ${parked.latest}, ${next.latest} TO ${live.latest}`,
      );
    } else if (!(await this.tablesExist(parked))) {
      throw new Error(`rebuild ${rebuildId} has no target tables to promote`);
    }
    await this.rollup.markDirty([EVERY_DAY]);
    await this.setHandover('');
  }

  async abandonRebuild(rebuildId: string): Promise<void> {
    const tables = rebuildTables(this.database, rebuildId);
    if ((await this.currentHandover()) === rebuildId) await this.setHandover('');
    await this.gateway.command(`DROP TABLE IF EXISTS ${tables.events}`);
    await this.gateway.command(`DROP TABLE IF EXISTS ${tables.latest}`);
  }

  private async currentHandover(): Promise<string> {
    const rows = await this.gateway.select<{ current_id: string }>(
      `SELECT argMax(rebuild_id, seq) AS current_id FROM ${this.handoverTable} WHERE sink_name = ${sqlString(this.name)}`,
    );
    return rows[0]?.current_id ?? '';
  }

  /** Appends a pointer row with the next sequence number (newest wins; one writer: the rebuild). */
  private async setHandover(rebuildId: string): Promise<void> {
    await this.gateway.command(
      `INSERT INTO ${this.handoverTable} (sink_name, rebuild_id, seq) SELECT ${sqlString(this.name)}, ${sqlString(rebuildId)}, max(seq) + 1 FROM ${this.handoverTable} WHERE sink_name = ${sqlString(this.name)}`,
    );
  }

  private async tablesExist(tables: AnalyticsTables): Promise<boolean> {
    const rows = await this.gateway.select<{ n: string }>(
      `SELECT count() AS n FROM system.tables WHERE database = ${sqlString(tables.database)} AND name IN (${sqlString(tables.eventsName)}, ${sqlString(tables.latestName)})`,
    );
    return Number(rows[0]?.n ?? 0) === 2;
  }
}

/** The rebuild target: writes only to its own table set, knows nothing of handovers. */
class TableSetSink implements ProjectionSink {
  readonly name = CLICKHOUSE_SINK_NAME;
  constructor(
    private readonly gateway: ClickHouseGateway,
    private readonly tables: AnalyticsTables,
  ) {}
  async prepare(): Promise<void> {
    await createTables(this.gateway, this.tables);
  }
  async apply(envelopes: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> {
    const batch = mapBatch(envelopes);
    await writeBatch(this.gateway, this.tables, batch);
    return batch.rejected;
  }
}

async function createTables(gateway: ClickHouseGateway, tables: AnalyticsTables): Promise<void> {
  await gateway.command(createEventsTableSql(tables));
  await gateway.command(createLatestTableSql(tables));
}

async function writeBatch(gateway: ClickHouseGateway, tables: AnalyticsTables, batch: MappedBatch): Promise<void> {
  await Promise.all([gateway.insertRows(tables.events, batch.events), gateway.insertRows(tables.latest, batch.latest)]);
}
