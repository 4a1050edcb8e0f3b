import { SingleBar } from 'cli-progress';

/**
 * Progress of a long replay or export: a bar with events done, events/s and ETA on a terminal;
 * on anything else (CI logs, pipes), one plain line every `everyMs`. The total is an estimate
 * (positions left per shard), so the ETA is one too.
 */
export class Progress {
  private done = 0;
  private readonly started = performance.now();
  private lastLine = 0;
  private readonly bar: SingleBar | null;

  constructor(
    private readonly what: string,
    private total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = 5_000,
  ) {
    this.bar = out.isTTY ? new SingleBar({ stream: out, format: `${what} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`, hideCursor: true }) : null;
    this.bar?.start(Math.max(1, total), 0, { rate: '0' });
  }

  add(events: number): void {
    this.done += events;
    if (this.done > this.total) this.total = this.done;
    const rate = this.rate();
    if (this.bar) {
      this.bar.setTotal(Math.max(1, this.total));
      this.bar.update(this.done, { rate: Math.round(rate).toLocaleString('en-US') });
      return;
    }
    const now = performance.now();
    if (now - this.lastLine >= this.everyMs) {
      this.lastLine = now;
      this.out.write(`${this.line()}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.out.write(`${this.line()} (done)\n`);
  }

  private rate(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  line(): string {
    const rate = this.rate();
    const left = Math.max(0, this.total - this.done);
    const eta = rate > 0 ? `${Math.round(left / rate)} s` : '?';
    return `${this.what}: ${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} events, ${Math.round(rate).toLocaleString('en-US')} events/s, ETA ${eta}`;
  }
}
