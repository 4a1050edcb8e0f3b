import { Rng } from '../chaos/rng';

/**
 * Who writes what, and when, at scale: business ids and user ids drawn from Zipf distributions (a
 * few hot businesses and heavy users, a long tail of each), data_content of ~200 bytes with a short
 * free-text note drawn from a vocabulary (so keyword searches have realistic selectivity), and
 * creation times spread evenly over a fixed window ending now. The window is fixed, so a larger load
 * is a DENSER history, not a longer one: every range query touches ~10x the rows at 10 million
 * than at 1 million, the case indexes, partitions and rollups must absorb.
 */
export interface WorkloadOptions {
  seed: number;
  businesses: number;
  businessSkew: number;
  users: number;
  userSkew: number;
  spanDays: number;
  /** End of the window (ms since epoch): the load's start time, so nothing is created in the future. */
  endMs: number;
}

export interface ScaleRecord {
  businessId: string;
  userId: string;
  dataContent: Record<string, unknown>;
  /** Creation time (ms): the Snowflake id minted for the record carries it. */
  createdMs: number;
}

/** Samples ranks 1..n with P(k) ∝ 1/k^s: one cumulative table, a binary search per draw. */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    skew: number,
  ) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 1; k <= n; k++) this.cdf[k - 1] = sum += 1 / Math.pow(k, skew);
    for (let k = 0; k < n; k++) this.cdf[k] /= sum;
  }

  /** Share of all draws that rank k (1-based) gets. */
  share(k: number): number {
    return this.cdf[k - 1] - (k > 1 ? this.cdf[k - 2] : 0);
  }

  draw(u: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'be', 'do', 'fu', 'ga', 'hi', 'ju', 'po', 'se'];
const STATUSES = ['open', 'paid', 'shipped', 'returned'];
const CHANNELS = ['web', 'store', 'app', 'partner'];
const CURRENCIES = ['EUR', 'USD', 'CNY', 'GBP'];

/** The i-th word of the vocabulary: three syllables, deterministic (`kalomi`, ...). */
export function wordOf(rank: number): string {
  const n = SYLLABLES.length;
  return SYLLABLES[rank % n] + SYLLABLES[Math.floor(rank / n) % n] + SYLLABLES[Math.floor(rank / (n * n)) % n];
}

export function businessIdOf(rank: number): string {
  return `tenant-${String(rank).padStart(5, '0')}`;
}

export function userIdOf(rank: number): string {
  // Ranks scattered over a 9-digit range so heavy users are not simply the smallest ids.
  return String(100_000_000 + ((rank * 7_919) % 900_000_000));
}

export class Workload {
  readonly businesses: Zipf;
  readonly users: Zipf;
  private readonly words = new Zipf(2_000, 1.0);
  /** Start of the creation-time window (the oldest record's time). */
  readonly startMs: number;

  constructor(readonly options: WorkloadOptions) {
    this.businesses = new Zipf(options.businesses, options.businessSkew);
    this.users = new Zipf(options.users, options.userSkew);
    this.startMs = options.endMs - options.spanDays * 86_400_000;
  }

  /**
   * Records `from`..`to`-1 of one load phase of `phaseSize` records starting at `phaseStart`: each
   * phase spreads its records evenly over the whole window (so after any phase the history is
   * uniform); the same seed and chunking give the same records.
   */
  records(phaseStart: number, phaseSize: number, from: number, to: number): ScaleRecord[] {
    const rng = new Rng(this.options.seed * 1_000_003 + from);
    const span = this.options.endMs - this.startMs;
    const out: ScaleRecord[] = new Array(to - from);
    for (let i = from; i < to; i++) {
      const business = this.businesses.draw(rng.next());
      const user = this.users.draw(rng.next());
      const note = Array.from({ length: 6 }, () => wordOf(this.words.draw(rng.next()) - 1)).join(' ');
      out[i - from] = {
        businessId: businessIdOf(business),
        userId: userIdOf(user),
        createdMs: Math.floor(this.startMs + ((i - phaseStart + 0.5) / phaseSize) * span),
        dataContent: {
          order_id: `o-${i}`,
          sku: `SKU-${rng.int(1, 5_000)}`,
          amount: rng.int(100, 500_000) / 100,
          currency: rng.pick(CURRENCIES),
          status: rng.pick(STATUSES),
          channel: rng.pick(CHANNELS),
          note,
        },
      };
    }
    return out;
  }

  /** A mid-frequency word: selective enough to be a real search, common enough to fill a page. */
  keyword(rank: number): string {
    return wordOf(rank - 1);
  }

  get windowStartMs(): number {
    return this.startMs;
  }
}
