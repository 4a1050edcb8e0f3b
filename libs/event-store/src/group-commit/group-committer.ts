export interface GroupCommitOptions {
  /** Flush as soon as this many items wait. */
  maxGroupSize: number;
  /** Otherwise flush this long after the first item of a group arrived (0 = end of the current tick). */
  windowMs: number;
  /** Groups in flight at once (each holds one connection/transaction). */
  maxInFlight: number;
  /**
   * Items that may wait for a group at once; beyond, submit refuses at once (GroupCommitQueueFullError).
   * Unset: unbounded. Bounds what one slow target can hold of a process's memory and write admission.
   */
  maxQueued?: number;
  /**
   * Longest an item may wait for a group; after it, the item is refused (GroupCommitQueueTimeoutError)
   * and never sent. Unset: no limit. A slow target then answers "busy" in bounded time.
   */
  maxQueueWaitMs?: number;
}

/** The queue of a committer was full: the item was refused before anything was sent. */
export class GroupCommitQueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`${queued} items already wait for a group`);
  }
}

/** The item waited longer than maxQueueWaitMs for a group: refused, never sent. */
export class GroupCommitQueueTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`waited ${waitedMs} ms for a group without getting one`);
  }
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Pending<TItem, TResult> {
  item: TItem;
  /** performance.now() when submitted (for maxQueueWaitMs). */
  since: number;
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
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flushGroup: (items: TItem[]) => Promise<Array<Settled<TResult>>>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: TItem): Promise<TResult> {
    const { maxQueued } = this.options;
    if (maxQueued !== undefined && this.queue.length >= maxQueued) return Promise.reject(new GroupCommitQueueFullError(this.queue.length));
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ item, since: performance.now(), resolve, reject });
      if (this.queue.length >= this.options.maxGroupSize) this.flush();
      else this.armTimer();
      if (this.inFlight >= this.options.maxInFlight) this.armExpiry();
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
    this.expireOverdue();
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
    if (this.queue.length > 0 && this.inFlight >= this.options.maxInFlight) this.armExpiry();
    if (this.queue.length === 0) this.disarmTimer(); // flushed at the size limit: the window has nothing left to wait for
  }

  private disarmTimer(): void {
    if (!this.timer) return;
    if (this.options.windowMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  /**
   * Refuses the items that waited past maxQueueWaitMs. They sit at the head of the queue (it is
   * FIFO), and none of them has been sent, so refusing them writes nothing.
   */
  private expireOverdue(): void {
    const { maxQueueWaitMs } = this.options;
    if (maxQueueWaitMs === undefined) return;
    const now = performance.now();
    let overdue = 0;
    while (overdue < this.queue.length && now - this.queue[overdue].since >= maxQueueWaitMs) overdue++;
    for (const pending of this.queue.splice(0, overdue)) pending.reject(new GroupCommitQueueTimeoutError(Math.round(now - pending.since)));
    if (overdue > 0 && this.queue.length === 0 && this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** While every slot is busy, wakes up when the oldest queued item becomes overdue. */
  private armExpiry(): void {
    const { maxQueueWaitMs } = this.options;
    if (maxQueueWaitMs === undefined || this.expiryTimer || this.queue.length === 0) return;
    const dueIn = Math.max(0, this.queue[0].since + maxQueueWaitMs - performance.now());
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      this.expireOverdue();
      if (this.queue.length > 0 && this.inFlight >= this.options.maxInFlight) this.armExpiry();
    }, Math.ceil(dueIn));
    this.expiryTimer.unref();
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
