/**
 * The projector's consume path without the engines: N sealed events (as the relay publishes them:
 * bench/ingest's records, sealed with their users' keys, encoded) fed to applyChunk by two consumer
 * groups in turn (the ES group, then the ClickHouse group right behind it, as in the projector),
 * with the real decode, key lookup (CachedUserKeys over the in-memory store) and open; the sinks
 * map the events to their documents / rows (bulkDocuments, mapBatch) and send nothing.
 * Prints the CPU per event (both groups together, i.e. per event the process consumes) with the
 * decoded-envelope cache off and on, alternating, BENCH_ROUNDS times each (after a round of each not counted):
 *   scripts/with-node tsx bench/pipeline/decode-micro.ts
 * BENCH_EVENTS (20,000), BENCH_CHUNK (1,000: a partition's chunk), BENCH_SINKS (map | none),
 * BENCH_MODES (off,on). Add --cpu-prof to the node args for a profile of the same path.
 */
import { mapBatch } from '@shardline/projection-clickhouse';
import { bulkDocuments } from '@shardline/projection-elasticsearch';
import { encodeEnvelope, sealEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { applyChunk, DecodedEnvelopeCache, type ChunkPorts, type SourceMessage } from '@shardline/projections';
import { CachedUserKeys, InMemoryUserKeys } from '@shardline/user-keys';
import { benchEnvelope } from './bench-envelopes';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SINKS = process.env.BENCH_SINKS ?? 'map';
const MODES = (process.env.BENCH_MODES ?? 'off,on').split(',');

async function main(): Promise<void> {
  const store = new InMemoryUserKeys();
  const keys = new CachedUserKeys(store, { ttlMs: 30_000, erasures: store });
  const values = await sealedValues(store);
  console.log(`${EVENTS} events of ${Math.round(values.reduce((n, v) => n + v.length, 0) / EVENTS)} bytes, chunks of ${CHUNK}, sinks: ${SINKS}`);
  const results = new Map<string, number[]>(MODES.map((m) => [m, []]));
  let topic = 0;
  // One round of each mode first, not counted: JIT, and the key cache filled (as in a running projector).
  for (const mode of MODES) await consume(values, `warm${topic++}`, keys, mode === 'on' ? new DecodedEnvelopeCache({ maxEntries: 10_000, maxBytes: 16 * 1024 * 1024, consumers: 2 }) : undefined);
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODES) {
      const cache = mode === 'on' ? new DecodedEnvelopeCache({ maxEntries: 10_000, maxBytes: 16 * 1024 * 1024, consumers: 2 }) : undefined;
      const micros = await consume(values, `t${topic++}`, keys, cache);
      results.get(mode)!.push(micros);
      console.log(`  round ${round + 1} cache ${mode}: ${micros.toFixed(1)} µs/event${cache ? ` (decode hits ${cache.stats.decodeHits}, open hits ${cache.stats.openHits}, held at the end ${cache.size})` : ''}`);
    }
  }
  for (const [mode, figures] of results) console.log(`cache ${mode}: median ${median(figures).toFixed(1)} µs/event (${figures.map((f) => f.toFixed(1)).join(', ')})`);
}

/** CPU µs per event for two groups consuming every chunk, the second right after the first. */
async function consume(values: Buffer[], topic: string, keys: CachedUserKeys, cache: DecodedEnvelopeCache | undefined): Promise<number> {
  const groups = [portsOf('elasticsearch', keys, cache, (events) => void bulkDocuments(events)), portsOf('clickhouse', keys, cache, (events) => void mapBatch(events))];
  const start = process.cpuUsage();
  for (let first = 0; first < values.length; first += CHUNK) {
    const messages = values.slice(first, first + CHUNK).map((value, i): SourceMessage => ({ key: null, value, headers: {}, position: { topic, partition: 0, offset: String(first + i) } }));
    for (const ports of groups) await applyChunk(messages, ports);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / values.length;
}

function portsOf(projection: string, keys: CachedUserKeys, cache: DecodedEnvelopeCache | undefined, map: (events: readonly RecordEventEnvelope[]) => void): ChunkPorts {
  return {
    projection,
    keys,
    cache,
    apply: async (events) => {
      if (SINKS === 'map') map(events);
      return [];
    },
    deadLetters: { publish: async () => {} },
    retry: (_what, step) => step(),
  };
}

async function sealedValues(store: InMemoryUserKeys): Promise<Buffer[]> {
  const values: Buffer[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const envelope = benchEnvelope(i, String(7_000_000_000_000_000_000n + BigInt(i)), new Date(1_780_000_000_000 + i).toISOString());
    const [key] = (await store.keysFor([envelope.user_id])).values();
    values.push(encodeEnvelope(sealEnvelope(envelope, key!)));
  }
  return values;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

void main();
