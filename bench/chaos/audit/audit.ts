import { readFileSync } from 'node:fs';
import type { FaultWindow } from '../fault-log';
import { OpLog } from '../op-log';
import { check5xx, checkRecordsTable, checkWrites, compareCounts, compareModel, countsPerBusiness, foldStreams, missingEvents, type Violation } from './checks';
import { pendingWork, readStore, type ShardAddress } from './event-store';
import { readClickhouse, readElasticsearch, TopicReader } from './read-models';

/** Where a run's data lives: written by the soak to <run dir>/run.json, read by the auditor. */
export interface RunConfig {
  run: string;
  shards: ShardAddress[];
  kafkaBrokers: string;
  eventsTopic: string;
  esUrl: string;
  esAlias: string;
  clickhouseUrl: string;
  clickhouseDatabase: string;
  opsPath: string;
  faultsPath: string;
}

export interface AuditOptions {
  /** How long the read models may take to converge after the load (and the last fault) ended. */
  convergeTimeoutS: number;
  /** Seconds after a fault recovered in which a 5xx is still blamed on it. */
  faultGraceS: number;
  /** When the last fault recovered (epoch ms); convergence time is measured from here (or from now). */
  lastFaultAt?: number;
  /** 5xx codes of known issues fixed elsewhere: counted and printed, not violations. */
  tolerate?: string[];
}

export interface AuditReport {
  writesAcknowledged: number;
  ops: number;
  retriedOps: number;
  lost: number;
  duplicated: number;
  mismatched: number;
  unexplained5xx: number;
  tolerated5xx: number;
  converged: boolean;
  convergedAt?: number;
  convergenceS: number;
  lines: string[];
  violations: Violation[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The independent auditor: reads the load generator's op log and the engines (its own SQL, Kafka
 * consumer, Elasticsearch and ClickHouse queries; no code of the write path) and checks every
 * promise the system makes about acknowledged writes. Waits for the event store to settle (outbox
 * drained, nothing staged), then for Kafka, Elasticsearch and ClickHouse to converge to it.
 */
export async function audit(config: RunConfig, options: AuditOptions): Promise<AuditReport> {
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    console.log(`[audit] ${s}`);
  };
  const ops = OpLog.read(config.opsPath);
  const windows: FaultWindow[] = readFileSync(config.faultsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const from = options.lastFaultAt ?? Date.now();
  const deadline = Date.now() + options.convergeTimeoutS * 1000;

  // 1. The store settles: requests the client gave up on are finished by the servers (no new event
  // for 15 s), the relay drained every outbox and no atomic batch is still staged.
  const quiet = async () => pendingWork(config.shards).catch(() => ({ outbox: -1, staged: -1, events: -1 }));
  let pending = await quiet();
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(2000);
    const next = await quiet();
    if (next.events !== pending.events || next.events < 0) stableSince = Date.now();
    pending = next;
    if (pending.outbox === 0 && pending.staged === 0 && Date.now() - stableSince >= 15_000) break;
  }
  say(`event store settled: ${pending.events} events, outbox ${pending.outbox}, staged ${pending.staged} (${((Date.now() - from) / 1000).toFixed(1)}s after the last fault)`);
  const store = await readStore(config.shards);
  const { states, problems } = foldStreams(store.events);
  const writes = checkWrites(ops, store.events);
  const table = checkRecordsTable(states, store.records);
  say(`event store: ${store.events.length} events, ${states.size} streams, ${store.records.length} records rows`);

  // 2. Kafka, Elasticsearch and ClickHouse converge to the store.
  const topic = new TopicReader(config.kafkaBrokers, config.eventsTopic, `soak-audit-${config.run}-${Date.now()}`);
  await topic.start();
  const expectedCounts = countsPerBusiness(states.values());
  let models: Violation[] = [];
  let convergedAt: number | undefined;
  try {
    while (true) {
      models = [...missingEvents('kafka records.events', store.events, topic.seen, false)];
      try {
        const es = await readElasticsearch(config.esUrl, config.esAlias);
        models.push(...compareModel('elasticsearch', states, es), ...compareCounts('elasticsearch', expectedCounts, countsPerBusiness(es.values())));
      } catch (e) {
        models.push({ check: 'elasticsearch', detail: `unreadable: ${e instanceof Error ? e.message : String(e)}` });
      }
      try {
        const ch = await readClickhouse(config.clickhouseUrl, config.clickhouseDatabase);
        models.push(
          ...compareModel('clickhouse records_latest', states, ch.latest),
          ...compareCounts('clickhouse', expectedCounts, countsPerBusiness(ch.latest.values())),
          ...missingEvents('clickhouse record_events', store.events, ch.events, false),
        );
      } catch (e) {
        models.push({ check: 'clickhouse', detail: `unreadable: ${e instanceof Error ? e.message : String(e)}` });
      }
      if (models.length === 0) {
        convergedAt = Date.now();
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(2000);
    }
  } finally {
    await topic.stop();
  }
  const convergenceS = ((convergedAt ?? Date.now()) - from) / 1000;
  say(`kafka: ${topic.messages} messages read (${topic.messages - topic.seen.size} redelivered duplicates, allowed: at-least-once)`);
  say(
    convergedAt
      ? `read models converged to the event store ${convergenceS.toFixed(1)}s after the last fault recovered`
      : `read models did NOT converge within ${options.convergeTimeoutS}s: ${models.length} differences`,
  );

  // 3. 5xx only inside the window of a fault that explains it.
  const fivexx = check5xx(ops, windows, options.faultGraceS * 1000, options.tolerate ?? []);
  say(`5xx answers: ${fivexx.total}, explained by a fault: ${fivexx.total - fivexx.unexplained.length}, unexplained: ${fivexx.unexplained.length}`);
  for (const [fault, n] of fivexx.byFault) say(`  ${n} during fault ${fault}`);
  for (const [code, n] of fivexx.tolerated) say(`  ${n} x ${code} outside a fault that explains it: TOLERATED (--tolerate), a known issue`);

  const mismatched = [...writes.mismatched, ...problems, ...table, ...models];
  const violations = [...writes.lost, ...writes.duplicated, ...mismatched, ...fivexx.unexplained];
  say(`ops ${ops.length}: retried ${writes.retriedOps}; unacknowledged writes stored ${writes.unacknowledgedStored}, not stored ${writes.unacknowledgedNotStored}`);
  for (const v of violations.slice(0, 60)) say(`VIOLATION [${v.check}] ${v.detail}`);
  if (violations.length > 60) say(`... ${violations.length - 60} more violations (all of them in violations.txt of the run dir)`);
  return {
    writesAcknowledged: writes.writesAcknowledged,
    ops: ops.length,
    retriedOps: writes.retriedOps,
    lost: writes.lost.length,
    duplicated: writes.duplicated.length,
    mismatched: mismatched.length,
    unexplained5xx: fivexx.unexplained.length,
    tolerated5xx: [...fivexx.tolerated.values()].reduce((a, b) => a + b, 0),
    converged: convergedAt !== undefined,
    convergedAt,
    convergenceS,
    lines,
    violations,
  };
}
