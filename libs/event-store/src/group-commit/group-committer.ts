export interface GroupCommitOptions {
  /** Flush as soon as this many items wait. */
  maxGroupSize: number;
  /** Otherwise flush this long after the first item of a group arrived (0 = end of the current tick). */
  windowMs: number;
  /** Groups in flight at once (each holds one connection/transaction). */
  maxInFlight: number;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Pending<TItem, TResult> {
  item: TItem;
  resolve: (value: TResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent submissions into groups so that N commands cost one transaction instead of
 * N round trips. The flush function settles each item on its own, so one bad item fails only itself.
 * While `maxInFlight` groups are busy, new items queue up and leave together when a slot frees.
 */
export class GroupCommitter<TItem, TResult> {
  private queue: Array<Pending<TItem, TResult>> = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly flushGroup: (items: TItem[]) => Promise<Array<Settled<TResult>>>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxGroupSize) this.flush();
      else this.armTimer();
    });
  }

  /** Resolves once nothing is queued or in flight (graceful shutdown). */
  async drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return;
    this.flush();
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Items waiting for a group (all group slots busy, or the window still open). */
  get queued(): number {
    return this.queue.length;
  }

  private armTimer(): void {
    if (this.timer) return;
    const fire = () => {
      this.timer = undefined;
      this.flush();
    };
    this.timer = this.options.windowMs > 0 ? setTimeout(fire, this.options.windowMs) : setImmediate(fire);
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.options.maxGroupSize);
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        // Items that queued while we were busy have already waited a whole group: send them now.
        if (this.queue.length > 0) this.flush();
        else if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
      });
    }
  }

  private async run(group: Array<Pending<TItem, TResult>>): Promise<void> {
    try {
      const results = await this.flushGroup(group.map((p) => p.item));
      group.forEach((pending, i) => {
        const result = results[i];
        if (!result) pending.reject(new Error('group commit: flush returned no result for an item'));
        else if (result.ok) pending.resolve(result.value);
        else pending.reject(result.error);
      });
    } catch (error) {
      for (const pending of group) pending.reject(error);
    }
  }
}
