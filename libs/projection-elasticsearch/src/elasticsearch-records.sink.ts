import { errors, type Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import { UnavailableError } from '@shardline/errors';
import { timeOfId } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink, RebuildableProjectionSink, SinkRejection } from '@shardline/projections';
import { bulkItemOutcome } from './bulk-outcome';
import { cutoffsOf, GenerationStateStore, isAlreadyExists, type GenerationState } from './generation-state';
import { bulkBody, bulkDocuments, type BulkDocument } from './bulk-body';
import { assertGenerationId, RecordsIndexNames } from './records-index-names';
import { DEFAULT_INDEX_SETTINGS, recordsIndexSettings, recordsMappings, type RecordsIndexSettings } from './records-index-template';

export interface ElasticsearchRecordsSinkOptions {
  client: Client;
  /** Index base name: monthly indices `<base>-YYYY.MM`, read alias `<base>`. Default `records`. */
  indexBase?: string;
  index?: Partial<RecordsIndexSettings>;
  /** Projection name (consumer group `shardline-projection-<name>`). Default `elasticsearch`. */
  name?: string;
  /** Clock for "this month's index" created at prepare (tests). */
  now?: () => Date;
}

/**
 * What the sink reads of a `_bulk` answer: `errors`, and per item its status and error. Without it
 * Elasticsearch writes (and the projector parses) ~200 bytes per document it accepted (index,
 * id, version, shards, seq_no, ...) that nobody reads. bench/README.md "bulk shape".
 */
export const BULK_RESPONSE_FILTER = ['errors', 'items.*.status', 'items.*.error'];

/** Thrown for answers that are about the cluster, not the documents: the runner retries the batch. */
export class ElasticsearchTransientError extends UnavailableError {
  constructor(message: string) {
    super('ELASTICSEARCH.TRANSIENT', message);
  }
}

/**
 * The records search read model. One document per record (_id = record_id) in the monthly index
 * of the record's creation, written with bulk `index` operations carrying `version_type: external,
 * version: stream_version`: ES keeps a document only if its version is higher than the stored one,
 * so duplicates and out-of-order deliveries are no-ops (409 per item, counted as applied).
 *
 * Deletes are tombstones, not ES deletes: RecordDeleted indexes `{deleted: true}` at the delete's
 * version. An ES delete would keep the deleted version only for index.gc_deletes (60 s); an older
 * RecordUpdated arriving after that (a re-delivery, a rebuild, a slow partition) would recreate the
 * record. A tombstone keeps the version forever, so that update gets a 409 like any stale event.
 * Searches filter `deleted: true` out (the search adapter does it; analysts querying the alias
 * directly must too). Cost: one small document per deleted record.
 *
 * A live sink (no fixed generation) reads the generation state at the start of EVERY apply() and
 * writes to each generation in `write` (one during normal operation, two during a rebuild's
 * handover). A rebuild target sink writes only to its own generation.
 */
export class ElasticsearchRecordsSink implements RebuildableProjectionSink {
  readonly name: string;
  readonly names: RecordsIndexNames;
  private readonly client: Client;
  private readonly settings: RecordsIndexSettings;
  private readonly stateStore: GenerationStateStore;
  private readonly now: () => Date;

  constructor(
    private readonly options: ElasticsearchRecordsSinkOptions,
    /** Set for a rebuild target: the one generation it writes. */
    private readonly fixedGeneration?: string,
  ) {
    this.client = options.client;
    this.names = new RecordsIndexNames(options.indexBase ?? 'records');
    this.settings = { ...DEFAULT_INDEX_SETTINGS, ...options.index };
    this.stateStore = new GenerationStateStore(this.client, this.names);
    this.now = options.now ?? (() => new Date());
    const base = options.name ?? 'elasticsearch';
    this.name = fixedGeneration ? `${base}-rebuild-${fixedGeneration}` : base;
  }

  /** Templates of the generations in use (read alias on the read generation's only) and this month's index. */
  async prepare(): Promise<void> {
    await this.stateStore.ensureIndex();
    if (this.fixedGeneration !== undefined) {
      await this.putTemplate(this.fixedGeneration, false);
      await this.createIndex(this.names.segmentIndex(this.fixedGeneration, this.now(), cutoffsOf(await this.stateStore.read())));
      return;
    }
    const state = await this.stateStore.read();
    for (const generation of new Set([state.read, ...state.write])) await this.putTemplate(generation, generation === state.read);
    // So the read alias exists (searches on an empty system answer empty, not 404).
    await this.createIndex(this.names.segmentIndex(state.read, this.now(), cutoffsOf(state)));
  }

  generationState(): Promise<GenerationState> {
    return this.stateStore.read();
  }

  async apply(events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> {
    const { documents, rejections } = bulkDocuments(events);
    if (documents.length === 0) return rejections;
    // Read on every batch: the generations written, the rollover cutoffs and the retention.
    const state = await this.stateStore.read();
    const generations = this.fixedGeneration !== undefined ? [this.fixedGeneration] : state.write;
    const cutoffs = cutoffsOf(state);
    // A record created before the retention's first month is not indexed again (its index was
    // deleted; recreating it for one update would bring back a searchable fragment of an expired month).
    const retained = state.retainFrom === undefined ? documents : documents.filter(({ event }) => monthOfId(event.record_id) >= state.retainFrom!);
    if (retained.length === 0) return rejections;
    const rejectedBy = new Map<RecordEventEnvelope, string>();
    // Sequential per generation: during a handover the second write doubles the cost for a few seconds only.
    for (const generation of generations) await this.bulkInto(generation, retained, cutoffs, rejectedBy);
    for (const [event, reason] of rejectedBy) rejections.push({ event, reason });
    return rejections;
  }

  private async bulkInto(generation: string, documents: readonly BulkDocument[], cutoffs: readonly number[], rejectedBy: Map<RecordEventEnvelope, string>) {
    // The body built here as one string, which the transport sends as it is (client.bulk would
    // want objects and serialize them line by line: the documents' JSON text is made once, here).
    const response = (await this.client.transport.request({
      method: 'POST',
      path: '/_bulk',
      querystring: { refresh: false, filter_path: BULK_RESPONSE_FILTER },
      bulkBody: bulkBody(this.names, generation, cutoffs, documents),
      meta: { name: 'bulk' },
    })) as estypes.BulkResponse;
    if (!response.errors) return;
    let transient: string | undefined;
    response.items.forEach((item, i) => {
      const result = item.index!;
      const outcome = bulkItemOutcome(result.status);
      if (outcome === 'reject') rejectedBy.set(documents[i].event, `elasticsearch rejected the document: ${describe(result.error)}`);
      else if (outcome === 'transient') transient ??= `${result.status} ${describe(result.error)}`;
    });
    if (transient) throw new ElasticsearchTransientError(`bulk into generation "${generation}" partly failed, retrying the batch: ${transient}`);
  }

  async createRebuildTarget(rebuildId: string): Promise<ProjectionSink> {
    assertGenerationId(rebuildId);
    const state = await this.stateStore.read();
    if (state.read === rebuildId || state.write.includes(rebuildId)) throw new Error(`generation ${rebuildId} is already in use`);
    const target = new ElasticsearchRecordsSink(this.options, rebuildId);
    await target.prepare();
    return target;
  }

  async beginHandover(rebuildId: string): Promise<void> {
    await this.stateStore.update((state) => {
      if (state.rebuild && state.rebuild !== rebuildId) throw new Error(`rebuild ${state.rebuild} is already handing over`);
      return { ...state, read: state.read, write: [state.read, rebuildId], rebuild: rebuildId };
    });
  }

  /**
   * Reads move to the rebuilt generation in ONE _aliases call (remove from every index of the old
   * generation + add to every index of the new one: searchers see either the old set or the new
   * set, never both or neither); then the live projection stops writing the old generation.
   */
  async promote(rebuildId: string): Promise<void> {
    const state = await this.stateStore.read();
    if (state.rebuild !== rebuildId) throw new Error(`rebuild ${rebuildId} is not handing over (state: ${JSON.stringify(state)})`);
    // First: new monthly indices of the rebuilt generation join the read alias from now on.
    await this.putTemplate(rebuildId, true);
    await this.createIndex(this.names.segmentIndex(rebuildId, this.now(), cutoffsOf(state)));
    const alias = this.names.readAlias;
    const holders = await this.aliasHolders(alias);
    const rebuilt = (await this.listIndices(this.names.indexPattern(rebuildId))).filter((i) => this.names.isIndexOf(rebuildId, i));
    await this.client.indices.updateAliases({
      actions: [
        ...holders.filter((i) => !rebuilt.includes(i)).map((index) => ({ remove: { index, alias } })),
        ...rebuilt.map((index) => ({ add: { index, alias } })),
      ],
    });
    if (state.read !== rebuildId) await this.putTemplate(state.read, false);
    await this.stateStore.update((current) => ({ ...current, read: rebuildId, write: [rebuildId], rebuild: null }));
  }

  async abandonRebuild(rebuildId: string): Promise<void> {
    await this.stateStore.update((state) => (state.rebuild === rebuildId ? { ...state, read: state.read, write: [state.read], rebuild: null } : state));
  }

  private async putTemplate(generation: string, withReadAlias: boolean): Promise<void> {
    await this.client.indices.putIndexTemplate({
      name: this.names.templateName(generation),
      index_patterns: [this.names.indexPattern(generation)],
      // A rebuilt generation's pattern (<base>-r…-*) also matches the initial one's (<base>-*): the higher priority wins.
      priority: generation ? 200 : 100,
      template: {
        settings: recordsIndexSettings(this.settings),
        mappings: recordsMappings(),
        aliases: {
          [this.names.generationAlias(generation)]: {},
          ...(withReadAlias ? { [this.names.readAlias]: {} } : {}),
        },
      },
      _meta: { owner: 'shardline projection-elasticsearch', generation },
    });
  }

  private async createIndex(index: string): Promise<void> {
    try {
      await this.client.indices.create({ index });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  private async aliasHolders(alias: string): Promise<string[]> {
    try {
      return Object.keys(await this.client.indices.getAlias({ name: alias }));
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 404) return [];
      throw error;
    }
  }

  private async listIndices(pattern: string): Promise<string[]> {
    return Object.keys(await this.client.indices.get({ index: pattern, allow_no_indices: true, ignore_unavailable: true }));
  }
}

function monthOfId(recordId: string): number {
  const at = timeOfId(recordId);
  return at.getUTCFullYear() * 100 + at.getUTCMonth() + 1;
}

function describe(error: unknown): string {
  if (!error || typeof error !== 'object') return String(error);
  const e = error as { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
  const cause = e.caused_by ? ` (caused by ${e.caused_by.type}: ${e.caused_by.reason})` : '';
  return `${e.type}: ${e.reason}${cause}`;
}
