/**
 * Per-business sums read from rollup runs, kept by the ids of the runs they were read from. A run's
 * rows never change while it is usable (a late event or an erasure marks its day, which voids it;
 * the next run has a new id; a rebuild's swap voids them all), so the same runs always sum to the
 * same numbers and a kept answer stays exact: a range asked again reads only its raw part. This is
 * what a dashboard's "last 30 days, every business" costs per call at 10 M records: the 29 closed
 * days are ~300,000 rollup rows (one per business and day) and ~20 ms of ClickHouse, their raw tail
 * a few thousand events (bench/README.md, 2026-12-04 third session).
 *
 * Bounded by the rows held (one per business of an entry), least recently used first out; a load
 * in flight is shared by the callers asking the same key, and forgotten if it fails.
 */
export class RunSumsCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; rows: number }>();
  private rowsHeld = 0;

  constructor(
    private readonly maxRows: number,
    private readonly rowsOf: (value: V) => number,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const kept = this.entries.get(key);
    if (kept !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, kept); // most recently used last
      return kept.value;
    }
    const entry = { value: load(), rows: 0 };
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        if (this.entries.get(key) !== entry) return;
        entry.rows = this.rowsOf(value);
        this.rowsHeld += entry.rows;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  /** Keys held, least recently used first (for tests). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.rowsHeld <= this.maxRows || this.entries.size <= 1) return;
      this.entries.delete(key);
      this.rowsHeld -= entry.rows;
    }
  }
}
