import { timeOfId } from '@shardline/ids';

/**
 * Names of the records read model in Elasticsearch. A "generation" is one complete index set:
 *   the first one (generation '') is `<base>-YYYY.MM`, e.g. records-2025.06;
 *   a rebuild writes generation `r<timestamp>`: `<base>-r20250612093000-YYYY.MM`.
 * Every generation has monthly indices (by the record's creation month, read from its Snowflake
 * id, so all versions of a record land in the same index and external versioning works) and its
 * own alias `<base>-gen-<generation>`. The read alias `<base>` points at exactly one generation.
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

  indexOfRecord(generation: string, recordId: string): string {
    return this.monthIndex(generation, timeOfId(recordId));
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

  /** True when `index` is a monthly index of exactly this generation (the initial pattern also matches rebuilt ones). */
  isIndexOf(generation: string, index: string): boolean {
    const prefix = this.prefixOf(generation);
    return index.startsWith(prefix) && /^\d{4}\.\d{2}$/.test(index.slice(prefix.length));
  }

  private prefixOf(generation: string): string {
    return generation ? `${this.base}-${generation}-` : `${this.base}-`;
  }
}

export function assertGenerationId(generation: string): void {
  if (!/^r[0-9a-z]{1,40}$/.test(generation)) throw new Error(`invalid generation id "${generation}" (expected r followed by [0-9a-z])`);
}
