import { errors, type Client } from '@elastic/elasticsearch';
import type { RecordsIndexNames } from './records-index-names';

/**
 * Which index generation serves reads and which ones the LIVE projection writes to, shared by every
 * projector process and the rebuild command through one small document in Elasticsearch.
 * Normally write = [read]; during a rebuild's handover write = [read, rebuild] (dual writes).
 * '' is the initial generation (`<base>-YYYY.MM`).
 */
export interface GenerationState {
  read: string;
  write: string[];
  rebuild: string | null;
  /**
   * Rollover cutoffs (ISO times, ascending, every generation alike): a record created at or after
   * one is indexed in the next segment of its month (RecordsIndexNames.segmentIndex). Each is set
   * ahead of time (index-lifecycle.ts), so no record created after it was ever routed without it.
   */
  rollovers?: string[];
  /** YYYYMM of the oldest month kept (retention): events of records created before it are not indexed again. */
  retainFrom?: number;
}

export function cutoffsOf(state: GenerationState): number[] {
  return (state.rollovers ?? []).map((iso) => Date.parse(iso));
}

const DOC_ID = 'generations';
export const INITIAL_STATE: GenerationState = { read: '', write: [''], rebuild: null };

interface Versioned {
  state: GenerationState;
  seqNo?: number;
  primaryTerm?: number;
}

export class GenerationStateStore {
  constructor(
    private readonly client: Client,
    private readonly names: RecordsIndexNames,
  ) {}

  async ensureIndex(): Promise<void> {
    try {
      await this.client.indices.create({
        index: this.names.stateIndex,
        settings: { number_of_shards: 1, auto_expand_replicas: '0-all' },
        mappings: { dynamic: false, properties: {} },
      });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  /**
   * Real-time GET (not search): sees the last acknowledged write even before a refresh, which is
   * what the handover argument in the rebuild relies on. Read at the start of every apply().
   */
  async read(): Promise<GenerationState> {
    return (await this.readVersioned()).state;
  }

  /** Changes the state with optimistic concurrency (two operators racing: one fails, none is lost). */
  async update(change: (current: GenerationState) => GenerationState): Promise<GenerationState> {
    const current = await this.readVersioned();
    const next = change(current.state);
    await this.client.index({
      index: this.names.stateIndex,
      id: DOC_ID,
      document: next,
      ...(current.seqNo === undefined ? { op_type: 'create' as const } : { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm }),
      refresh: 'wait_for',
    });
    return next;
  }

  private async readVersioned(): Promise<Versioned> {
    try {
      const doc = await this.client.get<GenerationState>({ index: this.names.stateIndex, id: DOC_ID, realtime: true });
      if (!doc.found || !doc._source) return { state: INITIAL_STATE };
      return { state: doc._source, seqNo: doc._seq_no, primaryTerm: doc._primary_term };
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 404) return { state: INITIAL_STATE };
      throw error;
    }
  }
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof errors.ResponseError && (error.body as { error?: { type?: string } })?.error?.type === 'resource_already_exists_exception';
}
