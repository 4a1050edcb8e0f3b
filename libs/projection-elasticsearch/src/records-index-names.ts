import { timeOfId } from '@shardline/ids';

/**
 * Names of the records read model in Elasticsearch. A "generation" is one complete index set:
 *   the first one (generation '') is `<base>-YYYY.MM`, e.g. records-2025.06;
 *   a rebuild writes generation `r<timestamp>`: `<base>-r20250612093000-YYYY.MM`.
 * Every generation has monthly indices (by the record's creation month, read from its Snowflake
 * id, so all versions of a record land in the same index and external versioning works), split
 * into segments `<month>-1`, `<month>-2`, … at the rollover cutoffs (by size: see
 * index-lifecycle.ts), and its own alias `<base>-gen-<generation>`. The read alias `<base>` points at exactly one generation.
 */
export class RecordsIndexNames {
  constructor(readonly base: string) {
    if (!/^[a-z0-9][a-z0-9_.-]{0,80}$/.test(base) || base.endsWith('-')) throw new Error(`invalid index base name "${base}"`);
  }

  /** The read alias searches go through. */
  get readAlias(): string {
    return this.base;
  }

  /** Holds the generation pointer; deliberately not matching `<base>-*` (the template pattern). */
  get stateIndex(): string {
    return `${this.base}_projection_state`;
  }

  monthIndex(generation: string, month: Date): string {
    const yyyy = month.getUTCFullYear();
    const mm = String(month.getUTCMonth() + 1).padStart(2, '0');
    return `${this.prefixOf(generation)}${yyyy}.${mm}`;
  }

  /**
   * The index of a record created at `at`: its month's index, or `<month>-N` once N rollover
   * cutoffs (epoch ms, see GenerationState.rollovers) of that month are at or before `at`. A pure
   * function of the creation time and the cutoffs, so every version of a record lands in the same
   * index (external versioning needs that) in every process that knows the same cutoffs.
   */
  segmentIndex(generation: string, at: Date, cutoffs: readonly number[] = []): string {
    const month = this.monthIndex(generation, at);
    const monthStart = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
    const t = at.getTime();
    const n = cutoffs.filter((c) => c > monthStart && c <= t).length;
    return n === 0 ? month : `${month}-${n}`;
  }

  indexOfRecord(generation: string, recordId: string, cutoffs: readonly number[] = []): string {
    return this.segmentIndex(generation, timeOfId(recordId), cutoffs);
  }

  /** YYYYMM of a monthly (or segment) index of this generation; undefined for any other name. */
  monthOf(generation: string, index: string): number | undefined {
    if (!this.isIndexOf(generation, index)) return undefined;
    const m = /^(\d{4})\.(\d{2})/.exec(index.slice(this.prefixOf(generation).length))!;
    return Number(m[1]) * 100 + Number(m[2]);
  }

  /** Template name and index pattern of a generation. */
  templateName(generation: string): string {
    return generation ? `${this.base}-gen-${generation}` : this.base;
  }

  indexPattern(generation: string): string {
    return `${this.prefixOf(generation)}*`;
  }

  generationAlias(generation: string): string {
    return `${this.base}-gen-${generation || 'initial'}`;
  }

  /** True when `index` is a monthly (or segment) index of exactly this generation (the initial pattern also matches rebuilt ones). */
  isIndexOf(generation: string, index: string): boolean {
    const prefix = this.prefixOf(generation);
    return index.startsWith(prefix) && /^\d{4}\.\d{2}(-\d+)?$/.test(index.slice(prefix.length));
  }

  private prefixOf(generation: string): string {
    return generation ? `${this.base}-${generation}-` : `${this.base}-`;
  }
}

export function assertGenerationId(generation: string): void {
  if (!/^r[0-9a-z]{1,40}$/.test(generation)) throw new Error(`invalid generation id "${generation}" (expected r followed by [0-9a-z])`);
}
