import { SlotMapSnapshot, SlotMapSource } from './slot-map-source.port';

export interface SlotMapWatcherOptions {
  /** Between two version polls (SHARDLINE_SLOT_MAP_POLL_MS). */
  pollMs: number;
  /** A failed poll or load (the control database down): the process keeps its map and polls again. */
  onError?: (error: unknown) => void;
  onChange?: (snapshot: SlotMapSnapshot, previousVersion: number) => void;
  /**
   * Tells the fleet which version this process routes by (docs/adr/0008, 4.7): called after a poll
   * when the version changed or `everyMs` passed since the last report, and `forget` when it stops.
   * A slot move's cleanup waits until no live process reports an older version.
   */
  report?: { write(version: number): Promise<void>; forget(): Promise<void>; everyMs: number };
}

/**
 * Keeps a process's slot map current without a restart (docs/adr/0008): polls the version row of
 * the control database every `pollMs` and, when it grew, loads the whole snapshot and hands it to
 * `apply` (open the new shards' pools, then swap the router's map). `refresh()` does the same at
 * once for a write that was fenced; concurrent refreshes share one reload.
 */
export class SlotMapWatcher {
  private applied = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reported = { version: 0, at: 0 };

  constructor(
    private readonly source: SlotMapSource,
    private readonly apply: (snapshot: SlotMapSnapshot) => void,
    private readonly options: SlotMapWatcherOptions,
  ) {}

  /** The version last applied (0 before the first load). */
  get version(): number {
    return this.applied;
  }

  /** Loads and applies the current snapshot, then polls until stop(). */
  async start(): Promise<SlotMapSnapshot> {
    const snapshot = await this.source.load();
    this.applySnapshot(snapshot);
    await this.reportIfDue().catch((error) => this.options.onError?.(error));
    this.schedule();
    return snapshot;
  }

  /** Reloads now if the version moved; resolves once the newest map is applied (or the read failed). */
  refresh(): Promise<void> {
    this.inFlight ??= this.check().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** Stops polling and takes the process off the readers' list (a failure there is only logged). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight?.catch(() => undefined);
    if (this.reported.at > 0) await this.options.report?.forget().catch((error) => this.options.onError?.(error));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh().finally(() => this.schedule()), this.options.pollMs);
    // Polling never keeps a process alive on its own.
    this.timer.unref();
  }

  private async check(): Promise<void> {
    try {
      if ((await this.source.version()) > this.applied) this.applySnapshot(await this.source.load());
      await this.reportIfDue();
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private async reportIfDue(): Promise<void> {
    const report = this.options.report;
    if (!report || this.stopped) return;
    const now = Date.now();
    if (this.reported.version === this.applied && now - this.reported.at < report.everyMs) return;
    await report.write(this.applied);
    this.reported = { version: this.applied, at: now };
  }

  private applySnapshot(snapshot: SlotMapSnapshot): void {
    if (snapshot.version <= this.applied) return;
    const previous = this.applied;
    this.apply(snapshot);
    this.applied = snapshot.version;
    this.options.onChange?.(snapshot, previous);
  }
}
