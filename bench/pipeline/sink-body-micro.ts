/**
 * The sinks' share of the projector's CPU without the engines: N opened bench events (bench/ingest's
 * records, as the projector hands them to its sinks) turned into what each sink sends per apply of
 * BENCH_CHUNK events, and nothing sent:
 *   es: the `_bulk` body (bulkDocuments, bulkBody: documents, actions, ndjson) as bytes;
 *   ch: the two INSERT bodies (mapBatch, then tabSeparated per table as the gateway does) as bytes.
 * Prints CPU µs per event per sink, BENCH_ROUNDS rounds after one not counted, the median and the minimum:
 *   scripts/with-node tsx bench/pipeline/sink-body-micro.ts
 * BENCH_EVENTS (20,000), BENCH_CHUNK (500: the pipeline's events per apply at 2,000/s).
 * For an A/B of two versions of the code, run it on each (e.g. a worktree per commit) in turn. Its
 * figures guide, they do not decide: two changes it showed cheaper cost more in the projector's
 * profile (README.md beside this file), so a change stays only once the pipeline's profile agrees.
 */
import { mapBatch, tabSeparated } from '@shardline/projection-clickhouse';
import { bulkBody, bulkDocuments, RecordsIndexNames } from '@shardline/projection-elasticsearch';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { benchEnvelope } from './bench-envelopes';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function main(): void {
  const events = openedEvents();
  const names = new RecordsIndexNames('records');
  const sinks: Record<string, (chunk: readonly RecordEventEnvelope[]) => number> = {
    es: (chunk) => Buffer.byteLength(bulkBody(names, '', [], bulkDocuments(chunk).documents)),
    // As the sink and its gateway (TabSeparated, the default) do it.
    ch: (chunk) => {
      const { events, latest } = mapBatch(chunk);
      return [events, latest].reduce((n, rows) => n + Buffer.from(tabSeparated(rows, Object.keys(rows[0]))).length, 0);
    },
  };
  const results = new Map<string, number[]>(Object.keys(sinks).map((s) => [s, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, build] of Object.entries(sinks)) {
      let bytes = 0;
      const start = process.cpuUsage();
      for (let i = 0; i < events.length; i += CHUNK) bytes += build(events.slice(i, i + CHUNK));
      const used = process.cpuUsage(start);
      const micros = (used.user + used.system) / events.length;
      if (round > 0) results.get(name)!.push(micros);
      console.log(`  ${round === 0 ? 'warm-up' : `round ${round}`} ${name}: ${micros.toFixed(2)} µs/event (${Math.round(bytes / events.length)} bytes/event)`);
    }
  }
  // The minimum too: on a shared machine the other processes only ever add to a round.
  for (const [name, figures] of results) console.log(`${name}: median ${median(figures).toFixed(2)}, min ${Math.min(...figures).toFixed(2)} µs/event (${figures.map((f) => f.toFixed(2)).join(', ')})`);
}

/** Version-1 events as openEnvelope gives them: bench records, created, with Snowflake ids of now. */
function openedEvents(): RecordEventEnvelope[] {
  const at = Date.now();
  return Array.from({ length: EVENTS }, (_, i) => {
    const id = ((BigInt(at - Date.UTC(2024, 0, 1) + Math.floor(i / 2)) << 22n) + BigInt(i % 4096)).toString();
    // Through JSON as the projector gets them: strings as JSON.parse makes them, not as literals.
    return JSON.parse(JSON.stringify(benchEnvelope(i, id, new Date(at + Math.floor(i / 2)).toISOString()))) as RecordEventEnvelope;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

main();
