import { createHash } from 'node:crypto';
import { Inject, Logger, Optional } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore, isSlotNotOwned, isStreamVersionConflict, StreamWrite } from '@shardline/event-store';
import { hasErrorKind, isShardlineError, messageOf, NotImplementedError } from '@shardline/errors';
import { RecordFields } from '../../domain/record.fields';
import { ATOMIC_BATCHES, AtomicBatchAccepted, AtomicBatches } from '../../ports/atomic-batches.port';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../../ports/clock.port';
import { RecordStateChange } from '../../ports/record-state.port';
import { CommandOutcome } from '../command-outcome';
import { requestHashOf, storedResponseOf } from '../record-command.idempotency';
import { planStreamWrite } from '../stream-write.planner';
import { CreateRecordsBatch } from './create-records-batch.command';
import { BatchKeySplitChangedError } from './create-records-batch.errors';
import { BatchRecordDecision, decideCreateRecordsBatch } from './create-records-batch.decide';
import { CreateRecord } from '../create-record/create-record.command';
import { initialState } from '../../domain/record.evolve';
import { stamped } from '../record.commands';
import { decideAndEvolve } from '../record.decider';
import { BatchItemResult, batchOutcomeOf, BatchResult } from './create-records-batch.result';

/** The records of one batch that live on one shard: written as ONE multi-row transaction. */
interface ShardPart {
  shard: number;
  writes: StreamWrite<RecordStateChange>[];
  items: BatchItemResult[];
  /** What the writes were planned from (decided again with fresh ids after an id collision). */
  decisions: BatchRecordDecision[];
}

/**
 * A batch, split by shard:
 *   1. decide the batch (pure): refused whole, or one CreateRecord decision per record, each with a fresh id;
 *   2. group the decisions by shard, each record planned as a single create would be (planStreamWrite);
 *   3. with an Idempotency-Key, look up what the key remembers on EVERY shard first: a key used for
 *      another request (on any shard, by any part) is refused with 422 before anything is written;
 *   4. write the parts in parallel. With a key each part remembers its results under
 *      `${key}#shard${n}`, and a retry answers every record that any stored part of the key on the
 *      part's shard holds (its own, a re-split one, or another shard's copied there with a moved slot,
 *      docs/adr/0008 4.8), writing only the records none holds;
 *   5. every part reports its true outcome: a part whose shard is unavailable answers 503 for its
 *      records, one that lost a race to a concurrent request with the same key 422; the other parts
 *      stand (207). Nothing that committed goes unreported. A part its shard refused because slots
 *      moved (docs/adr/0008; nothing of it was written) is split again by the reloaded map and
 *      written once more, each new part under its own shard's key.
 */
@CommandHandler(CreateRecordsBatch)
export class CreateRecordsBatchHandler implements ICommandHandler<CreateRecordsBatch, CommandOutcome<BatchResult | AtomicBatchAccepted>> {
  private readonly logger = new Logger('records-batch');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<RecordStateChange>,
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(ATOMIC_BATCHES) private readonly atomic?: AtomicBatches,
  ) {}

  async execute(command: CreateRecordsBatch): Promise<CommandOutcome<BatchResult | AtomicBatchAccepted>> {
    const now = this.clock();
    const decisions = decideCreateRecordsBatch(command, () => ({ now, recordId: this.ids.next() }));
    if (command.data.atomic) return this.runAtomic(command, decisions);
    const byShard = new Map<number, BatchRecordDecision[]>();
    for (const decision of decisions) {
      const shard = this.router.shardFor(decision.businessId);
      const part = byShard.get(shard);
      if (part) part.push(decision);
      else byShard.set(shard, [decision]);
    }
    const parts = new Map([...byShard].map(([shard, part]) => [shard, this.planPart(command, shard, part)]));
    // Only a client-chosen key is remembered, so only then is the request fingerprinted (hashing a
    // 10,000-record body costs milliseconds of the event loop).
    const requestHash = command.metadata.clientSupplied ? requestHashOf(command) : '';
    if (command.metadata.clientSupplied) await this.refuseReusedKey(command.metadata.commandId, requestHash);
    const settled = await Promise.all([...parts.values()].map((part) => this.writePart(part, command, requestHash)));
    return batchOutcomeOf(settled.flat());
  }

  /**
   * An atomic batch is decided the same way (ids fixed now, so every attempt of the saga stages the
   * same records), then handed to the atomic-batch saga, which writes it all-or-nothing.
   */
  private runAtomic(command: CreateRecordsBatch, decisions: BatchRecordDecision[]): Promise<CommandOutcome<BatchResult | AtomicBatchAccepted>> {
    if (!this.atomic) throw new NotImplementedError(RecordFields.atomic, 'atomic batches need the saga runtime, which this process is not wired to');
    const records = decisions.map((d, i) => {
      const { userId, dataContent } = command.data.records[i];
      return { index: d.index, recordId: d.recordId, shard: this.router.shardFor(d.businessId), businessId: d.businessId, userId, dataContent };
    });
    return this.atomic.run({ context: command.metadata, requestHash: requestHashOf(command), records, respondAsync: command.data.respondAsync ?? false });
  }

  /**
   * Step 3. Every shard, not only this request's: the same key with another body may have written
   * a part on a shard this body does not touch. A shard that cannot be read does not block the batch
   * (its part, if any, answers 503; a later retry checks again).
   */
  private async refuseReusedKey(key: string, requestHash: string): Promise<void> {
    const shards = Array.from({ length: this.router.shardCount }, (_, shard) => shard);
    const lookups = await Promise.allSettled(shards.map((shard) => this.store.findCommandResult(shard, partKeyOf(key, shard))));
    for (const lookup of lookups) if (lookup.status === 'fulfilled' && lookup.value) storedResponseOf(lookup.value, requestHash);
  }

  private planPart(command: CreateRecordsBatch, shard: number, decisions: BatchRecordDecision[]): ShardPart {
    const part: ShardPart = { shard, writes: [], items: [], decisions };
    for (const decision of decisions) {
      const write = planStreamWrite(command.metadata, { ...decision, before: null });
      part.writes.push(write);
      part.items.push({ index: decision.index, status: 201, id: decision.recordId, version: write.state.record.version, business_id: decision.businessId });
    }
    return part;
  }

  /**
   * A part whose new streams already exist collided on server-chosen ids (ids repeated after a
   * restart with the clock stepped back): nothing of it was written, so it is decided again with
   * fresh ids. The client never sees the collision.
   */
  private withFreshIds(command: CreateRecordsBatch, part: ShardPart): ShardPart {
    const now = this.clock();
    const decisions = part.decisions.map((d) => {
      const recordId = this.ids.next();
      const { events, after } = decideAndEvolve(stamped(new CreateRecord(command.data.records[d.index], command.metadata), { now, recordId }), initialState());
      return { ...d, recordId, events, after };
    });
    return this.planPart(command, part.shard, decisions);
  }

  private async writePart(first: ShardPart, command: CreateRecordsBatch, requestHash: string, rerouted = false): Promise<BatchItemResult[]> {
    const { metadata: context } = command;
    let answered: BatchItemResult[] = [];
    let part = first;
    let partKey: string | null = null;
    if (context.clientSupplied) {
      const key = { client: context.commandId, part: rerouted ? reroutedPartKeyOf(context.commandId, part) : partKeyOf(context.commandId, part.shard) };
      try {
        ({ answered, rest: part, partKey } = await this.unanswered(part, key, requestHash));
      } catch (error) {
        return this.failedPart(part, error);
      }
      if (part.items.length === 0) return answered;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return [...answered, ...(await this.appendPart(part, partKey, requestHash))];
      } catch (error) {
        if (isStreamVersionConflict(error) && attempt < 3) {
          part = this.withFreshIds(command, part);
          continue;
        }
        if (isSlotNotOwned(error) && !rerouted) return [...answered, ...(await this.rerouted(part, command, requestHash))];
        return [...answered, ...this.failedPart(part, error)];
      }
    }
  }

  /** Step 5, a part refused for moved slots: its records by their owners in the reloaded map, written once more. */
  private async rerouted(part: ShardPart, command: CreateRecordsBatch, requestHash: string): Promise<BatchItemResult[]> {
    await this.router.refresh();
    const byShard = new Map<number, BatchRecordDecision[]>();
    for (const decision of part.decisions) {
      const shard = this.router.shardFor(decision.businessId);
      byShard.set(shard, [...(byShard.get(shard) ?? []), decision]);
    }
    const settled = await Promise.all([...byShard].map(([shard, decisions]) => this.writePart(this.planPart(command, shard, decisions), command, requestHash, true)));
    return settled.flat();
  }

  /**
   * With a client key, every record some stored part of the key on this shard already answers for is
   * answered from there, by its index in the request: the shard's own part, a re-split part, or
   * another shard's part copied here with a moved slot (docs/adr/0008 4.8) — so a record whose slot
   * moved between a first try and its retry is not written twice. Records found in none were never
   * written (a slot's records and the parts holding them move together, and the fence keeps writes to
   * a slot on its owner): they are the rest to write, under the part key while it is free, else under
   * a key named by the records they are.
   */
  private async unanswered(part: ShardPart, key: PartKey, requestHash: string): Promise<{ answered: BatchItemResult[]; rest: ShardPart; partKey: string }> {
    const { items: remembered, keys } = await this.rememberedParts(part.shard, key.client, requestHash);
    const answered = part.items.flatMap((item) => remembered.get(item.index) ?? []);
    const rest = answered.length === 0 ? part : partWithout(part, remembered);
    return { answered, rest, partKey: keys.has(key.part) ? reroutedPartKeyOf(key.client, rest) : key.part };
  }

  /** Writes the part, remembering its items under `partKey` when the client chose a key. */
  private async appendPart(part: ShardPart, partKey: string | null, requestHash: string): Promise<BatchItemResult[]> {
    const outcome = await this.store.appendBatch({
      shard: part.shard,
      writes: part.writes,
      idempotency: partKey ? { commandId: partKey, requestHash, response: part.items } : undefined,
    });
    return outcome.kind === 'duplicate' ? this.answeredFor(part, storedResponseOf(outcome.stored, requestHash)) : part.items;
  }

  /** The items every stored part of the client key on the shard remembers, by record index (one range read). */
  private async rememberedParts(shard: number, client: string, requestHash: string): Promise<{ items: Map<number, BatchItemResult>; keys: Set<string> }> {
    const prefix = partKeyOf(client, '');
    const ofThisKey = new RegExp(`^${escapeRegExp(prefix)}\\d+(#moved-[0-9a-f]{16})?$`);
    const items = new Map<number, BatchItemResult>();
    const keys = new Set<string>();
    for (const stored of await this.store.findCommandResultsByPrefix(shard, prefix)) {
      // Another client key that merely starts like this one's part keys is not ours.
      if (!ofThisKey.test(stored.commandId)) continue;
      keys.add(stored.commandId);
      for (const item of storedResponseOf<BatchItemResult[]>(stored, requestHash)) items.set(item.index, item);
    }
    return { items, keys };
  }

  /**
   * A concurrent request with the same key stored the part first: it answers for the records it
   * carried; records it does not cover (that request split the batch differently) are refused (422),
   * never reported as written — the client's retry then finds every stored part and writes only what
   * none holds.
   */
  private answeredFor(part: ShardPart, stored: BatchItemResult[]): BatchItemResult[] {
    const byIndex = new Map(stored.map((item) => [item.index, item]));
    const answered = part.items.flatMap((item) => byIndex.get(item.index) ?? []);
    const uncovered = part.items.filter((item) => !byIndex.has(item.index));
    return uncovered.length === 0 ? answered : [...answered, ...this.failedPart({ ...part, items: uncovered }, new BatchKeySplitChangedError(part.shard))];
  }

  /** Step 5: the other parts may have committed; this one says what happened to its records. */
  private failedPart(part: ShardPart, error: unknown): BatchItemResult[] {
    const status = hasErrorKind(error, 'unavailable') ? 503 : hasErrorKind(error, 'unprocessable') ? 422 : 500;
    const code = isShardlineError(error) ? error.code : 'INTERNAL';
    if (status === 500) this.logger.error(`batch part on shard ${part.shard} failed: ${error instanceof Error ? error.stack : String(error)}`);
    return part.items.map((item): BatchItemResult => ({ index: item.index, status, error: { code, message: status === 500 ? 'internal error' : messageOf(error) } }));
  }
}

interface PartKey {
  client: string;
  part: string;
}

/** Where a batch part remembers its results: one processed-command row per (key, shard). */
function partKeyOf(key: string, shard: number | ''): string {
  return `${key}#shard${shard}`;
}

/** The part less the records `remembered` answers for (items, writes and decisions are parallel arrays). */
function partWithout(part: ShardPart, remembered: ReadonlyMap<number, unknown>): ShardPart {
  const keep = part.items.map((item) => !remembered.has(item.index));
  return {
    shard: part.shard,
    items: part.items.filter((_, i) => keep[i]),
    writes: part.writes.filter((_, i) => keep[i]),
    decisions: part.decisions.filter((_, i) => keep[i]),
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where a part re-split after a slot move remembers its results: NOT under its new shard's plain part
 * key, which the request's own part for that shard may already hold (its stored items would then be
 * answered for records never written). Named by the records it carries, so the same re-split of the
 * same request finds its own row again.
 */
function reroutedPartKeyOf(key: string, part: ShardPart): string {
  const indexes = part.items.map((item) => item.index).sort((a, b) => a - b).join(',');
  return `${partKeyOf(key, part.shard)}#moved-${createHash('sha256').update(indexes).digest('hex').slice(0, 16)}`;
}

