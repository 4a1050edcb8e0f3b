import { createReadStream } from 'node:fs';
import type { EventImportTarget, ImportedEvent, StoredEvent, StreamImport } from '@shardline/event-store';
import { envelopeOf, type RecordEventEnvelope } from '@shardline/integration-events';
import type { EnvelopeKeys } from '@shardline/projections';
import type { RecordStateChange } from '@shardline/records';
import { numberedEnvelopesOfJsonl } from './envelope-jsonl';
import { storedEventOfEnvelope } from './jsonl-event-log';
import { partitionMonthOfEnvelope, recordStateOfImport } from './record-state-of-import';

/** A recording: a JSONL file's path, its lines, or its text in chunks (a read stream). */
export type RecordingSource = string | readonly string[] | AsyncIterable<string | Buffer>;

export interface ImportOptions {
  /** The shard a stream goes to: the slot map's shardFor(business_id). Default: the shard it was recorded on. */
  shardFor?: (businessId: string) => number;
  /** Write outbox rows too, so a relay publishes the imported events (default: no, they count as published already). */
  outbox?: boolean;
  /** Check everything, write nothing: the report says what an import would write. */
  dryRun?: boolean;
  /** Opens content sealed at write time to compute the `records` rows (envelope_version 2); required when the recording has any. */
  keys?: EnvelopeKeys;
  /** Streams per transaction (default 500). */
  streamsPerTransaction?: number;
}

export interface ImportReport {
  /** Events in the recording. */
  events: number;
  streams: number;
  /** Events written now (dry run: that would be). */
  imported: number;
  /** Events the store already held, identical: skipped (a second import of a file imports nothing). */
  alreadyPresent: number;
  /** Per shard written to: events written and whether their recorded positions were kept or new ones allocated. */
  shards: Array<{ shard: number; events: number; positions: 'kept' | 'allocated' }>;
}

/** Why a recording (or one stream of it) cannot go into this store; names the line. */
export class RecordingImportError extends Error {
  constructor(
    readonly line: number,
    readonly streamId: string,
    reason: string,
  ) {
    super(`line ${line}: stream ${streamId}: ${reason}`);
  }
}

interface RecordedLine {
  line: number;
  envelope: RecordEventEnvelope;
}

interface Planned {
  shard: number;
  lines: RecordedLine[];
  stored: StoredEvent[];
  /** The recorded lines the store does not hold yet, in version order. */
  fresh: RecordedLine[];
}

/**
 * Imports a JSONL recording of envelopes (the CLI's export) into an event store — a test's
 * InMemoryEventStore or the MySQL shards (MysqlEventImport) — with the `records` rows the events
 * fold to, as if the store had been written by the traffic recorded:
 *   1. every line is decoded by the consumers' decoder (a bad line: JsonlLineError naming the line and field);
 *   2. the lines are grouped by stream; a stream's versions in the file must run 1, 2, … from
 *      wherever the store's end of it is, without gaps or two different events for one version;
 *   3. each stream is read from its shard: events the store holds identically (same version,
 *      event id, type and data) are skipped, so importing a file twice writes nothing the second
 *      time; a version held by another event, or a gap after the store's last version, refuses the
 *      import (RecordingImportError) before anything is written;
 *   4. positions: on a shard where every new event was recorded on that very shard and no recorded
 *      position is taken, the events keep them (export → import → export is byte-identical);
 *      otherwise the shard allocates new ones stream by stream (a stream's events in version order,
 *      streams in the order of their first recorded event: what readers need is per-stream order);
 *   5. the streams are written, each with its `records` row change, all or nothing per
 *      transaction (streamsPerTransaction streams, whole streams only), with outbox rows only on request.
 * The whole recording is held in memory (a few hundred bytes per event): this is for test stores
 * and development databases, not for restoring production (see the archive commands for that).
 */
export async function importRecording(source: RecordingSource, target: EventImportTarget<RecordStateChange>, options: ImportOptions = {}): Promise<ImportReport> {
  // 1-2. Decode and group by stream, in version order.
  const byStream = new Map<string, RecordedLine[]>();
  let events = 0;
  for await (const { line, envelope } of numberedEnvelopesOfJsonl(chunksOf(source))) {
    events++;
    const lines = byStream.get(envelope.stream_id);
    if (lines) lines.push({ line, envelope });
    else byStream.set(envelope.stream_id, [{ line, envelope }]);
  }
  const plans: Planned[] = [];
  for (const [streamId, lines] of byStream) {
    lines.sort((a, b) => a.envelope.stream_version - b.envelope.stream_version);
    const distinct = withoutRepeats(streamId, lines);
    const shard = options.shardFor ? options.shardFor(distinct[0].envelope.business_id) : distinct[0].envelope.shard;
    // 3. Against what the store holds.
    const stored = await target.readStream(shard, streamId);
    const fresh: RecordedLine[] = [];
    for (const recorded of distinct) {
      const version = recorded.envelope.stream_version;
      const held = stored[version - 1];
      if (held) {
        if (!sameEvent(held, recorded.envelope)) throw new RecordingImportError(recorded.line, streamId, `version ${version} is held by another event in the store (event ${held.metadata.eventId}, not ${recorded.envelope.event_id}); nothing was imported`);
        continue;
      }
      const expected = stored.length + fresh.length + 1;
      if (version !== expected) throw new RecordingImportError(recorded.line, streamId, `version ${version} follows version ${expected - 1} (${stored.length} in the store${fresh.length ? `, ${fresh.length} in the file` : ''}): a recording must hold a stream from its first version missing in the store (an export selected by time cuts streams); nothing was imported`);
      fresh.push(recorded);
    }
    plans.push({ shard, lines: distinct, stored, fresh });
  }

  // 4-5. Per shard: positions, state, writes.
  const report: ImportReport = { events, streams: byStream.size, imported: 0, alreadyPresent: 0, shards: [] };
  const perShard = new Map<number, Planned[]>();
  for (const plan of plans) {
    report.alreadyPresent += plan.lines.length - plan.fresh.length;
    if (plan.fresh.length === 0) continue;
    const list = perShard.get(plan.shard);
    if (list) list.push(plan);
    else perShard.set(plan.shard, [plan]);
  }
  for (const shard of [...perShard.keys()].sort((a, b) => a - b)) {
    const shardPlans = perShard.get(shard)!;
    const fresh = shardPlans.flatMap((p) => p.fresh.map((f) => f.envelope));
    const keep = fresh.every((e) => e.shard === shard) && (await target.takenPositions(shard, fresh.map((e) => e.position))).size === 0;
    // Streams in the order of their first new event's recorded position; allocated positions follow it stream by stream.
    shardPlans.sort((a, b) => comparePositions(a.fresh[0].envelope, b.fresh[0].envelope));
    const imports: StreamImport<RecordStateChange>[] = [];
    for (const plan of shardPlans) imports.push(await streamImportOf(plan, keep, options.keys));
    if (!options.dryRun) {
      const size = options.streamsPerTransaction ?? 500;
      for (let i = 0; i < imports.length; i += size) await target.importStreams(shard, imports.slice(i, i + size), { outbox: options.outbox ?? false });
    }
    report.imported += fresh.length;
    report.shards.push({ shard, events: fresh.length, positions: keep ? 'kept' : 'allocated' });
  }
  return report;
}

/** A line repeated exactly (the same event twice in the file) counts once; two events for one version refuse the file. */
function withoutRepeats(streamId: string, lines: RecordedLine[]): RecordedLine[] {
  const out: RecordedLine[] = [];
  for (const recorded of lines) {
    const previous = out[out.length - 1];
    if (previous?.envelope.stream_version === recorded.envelope.stream_version) {
      if (previous.envelope.event_id !== recorded.envelope.event_id) throw new RecordingImportError(recorded.line, streamId, `version ${recorded.envelope.stream_version} is also line ${previous.line}, a different event (${previous.envelope.event_id})`);
      continue;
    }
    out.push(recorded);
  }
  return out;
}

/** The store holds the recorded event: same id, type and data (position and shard may differ when it was imported elsewhere). */
function sameEvent(held: StoredEvent, recorded: RecordEventEnvelope): boolean {
  return held.metadata.eventId === recorded.event_id && held.type === recorded.event_type && JSON.stringify(held.data) === JSON.stringify(recorded.data);
}

async function streamImportOf(plan: Planned, keepPositions: boolean, keys: EnvelopeKeys | undefined): Promise<StreamImport<RecordStateChange>> {
  const first = plan.fresh[0];
  const events: ImportedEvent[] = plan.fresh.map(({ envelope }) => {
    const { shard: _, position, streamId: __, ...event } = storedEventOfEnvelope(envelope);
    return { ...event, position: keepPositions ? position : null };
  });
  const history = [...plan.stored.map(envelopeOf), ...plan.fresh.map((f) => f.envelope)];
  let state: RecordStateChange | null;
  try {
    state = await recordStateOfImport(history, plan.stored.length, keys);
  } catch (error) {
    throw new RecordingImportError(first.line, first.envelope.stream_id, `its records row cannot be computed: ${(error as Error).message}`);
  }
  return {
    streamId: first.envelope.stream_id,
    partitionMonth: partitionMonthOfEnvelope(first.envelope),
    partitionKey: first.envelope.business_id,
    expectedVersion: plan.stored.length,
    events,
    state,
  };
}

function comparePositions(a: RecordEventEnvelope, b: RecordEventEnvelope): number {
  if (a.shard !== b.shard) return a.shard - b.shard;
  return a.position.length !== b.position.length ? a.position.length - b.position.length : a.position < b.position ? -1 : a.position > b.position ? 1 : 0;
}

async function* chunksOf(source: RecordingSource): AsyncGenerator<string | Buffer> {
  if (typeof source === 'string') {
    yield* createReadStream(source);
    return;
  }
  if (Symbol.asyncIterator in source) {
    yield* source as AsyncIterable<string | Buffer>;
    return;
  }
  for (const line of source as readonly string[]) yield line.endsWith('\n') ? line : `${line}\n`;
}
