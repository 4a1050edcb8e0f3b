/** Capped exponential delay: initial, 2×, 4×, ... up to max; reset() after a success. */
export class Backoff {
  private current: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    this.current = initialMs;
  }

  next(): number {
    const delay = this.current;
    this.current = Math.min(this.maxMs, Math.max(1, this.current * 2));
    return delay;
  }

  reset(): void {
    this.current = this.initialMs;
  }
}
