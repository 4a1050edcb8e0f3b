/**
 * Coalesces the lookups started in the same turn of the event loop into ONE call for all their
 * ids: the concurrent commands of a busy api each miss the key cache for a new user, and would
 * otherwise each cost a control-database round trip (group commit does the same for appends).
 * Every caller gets the whole answer and picks its ids; a failure fails every caller of the batch.
 */
export class CoalescedLookup<V> {
  private pending: { ids: Set<string>; answer: Promise<Map<string, V>> } | null = null;

  constructor(private readonly fetch: (ids: string[]) => Promise<Map<string, V>>) {}

  lookup(ids: readonly string[]): Promise<Map<string, V>> {
    if (!this.pending) {
      const batch = { ids: new Set<string>(), answer: Promise.resolve() as Promise<unknown> as Promise<Map<string, V>> };
      batch.answer = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Later lookups start a new batch: this one's ids are fixed from here on.
        if (this.pending === batch) this.pending = null;
        return this.fetch([...batch.ids]);
      });
      this.pending = batch;
    }
    for (const id of ids) this.pending.ids.add(id);
    return this.pending.answer;
  }
}
