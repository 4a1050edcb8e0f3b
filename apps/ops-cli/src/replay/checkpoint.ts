import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Where a replay stands, per shard, in a small JSON file written after every chunk the target
 * accepted (write to a temporary file, then rename: a Ctrl-C never leaves half a file). Started
 * again, the replay goes on after these positions; the chunk that was in flight at the Ctrl-C is
 * applied again, which the sinks absorb (external versioning by stream version), so the target
 * holds every event once.
 */
export class ReplayCheckpoint {
  private readonly positions = new Map<number, string>();

  constructor(
    readonly file: string,
    /** What the checkpoint is of (target, source, selection): a different replay never resumes from it. */
    private readonly key: string,
  ) {}

  /** Loads the file if it is for the same replay; otherwise starts from the beginning. */
  load(): ReadonlyMap<number, string> {
    if (!existsSync(this.file)) return this.positions;
    const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { key: string; positions: Record<string, string> };
    if (saved.key !== this.key) throw new Error(`${this.file} is the checkpoint of another replay (${saved.key}); pass --restart or another --checkpoint`);
    for (const [shard, position] of Object.entries(saved.positions)) this.positions.set(Number(shard), position);
    return this.positions;
  }

  save(shard: number, position: string): void {
    this.positions.set(shard, position);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key: this.key, positions: Object.fromEntries(this.positions) }));
    renameSync(tmp, this.file);
  }
}
