import { carefully, restCall, sleep, type Answer, type RetryPolicy } from './careful-client';
import type { KafkaCommands } from './kafka-commands';
import type { AckedWrite, Channel, OpKind, OpLog, OpRecord, SentRecord } from './op-log';
import { Rng } from './rng';

export interface LoadOptions {
  apiUrl: string;
  kafka: KafkaCommands;
  log: OpLog;
  seed: number;
  /** Requests (operations) per second offered, open loop. */
  rate: number;
  durationS: number;
  policy: RetryPolicy;
  /** Operations in flight (including those retrying) beyond which new ones are skipped. */
  maxInFlight: number;
}

export interface LoadStats {
  ops: number;
  skipped: number;
  byKind: Record<string, number>;
  outcomes: Record<'ack' | 'rejected' | 'unknown', number>;
  writesAcked: number;
  rejectedCodes: Record<string, number>;
}

interface Known {
  id: string;
  business_id: string;
  version: number;
}

const BUSINESSES = Array.from({ length: 40 }, (_, i) => `soak-b${String(i).padStart(2, '0')}`);
const WORDS = ['wombat', 'lamp', 'quartz', 'ember', 'harbor', 'lilac', 'orbit', 'cedar', 'plume', 'tundra', 'äpfel', 'naïve', '東京'];

/** The mix of operations (weights), REST and Kafka, as a careful client sends them. */
const MIX: [Channel, OpKind, number][] = [
  ['rest', 'create', 25],
  ['rest', 'batch', 8],
  ['rest', 'atomic', 4],
  ['rest', 'patch', 22],
  ['rest', 'delete', 6],
  ['kafka', 'create', 12],
  ['kafka', 'batch', 4],
  ['kafka', 'patch', 13],
  ['kafka', 'delete', 6],
];

/**
 * The soak's steady mixed load: creates, batches, atomic batches (the saga path), merge patches
 * with and without If-Match and deletes, over REST and the Kafka command intake, every one with an
 * Idempotency-Key (command_id) and an X-Correlation-Id naming the operation, retried carefully.
 * Each settled operation is one line of the op log. Patches and deletes pick records this client
 * created and was told about (so their targets exist, mostly).
 */
export class Load {
  private readonly rng: Rng;
  private readonly known: Known[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;
  readonly stats: LoadStats = { ops: 0, skipped: 0, byKind: {}, outcomes: { ack: 0, rejected: 0, unknown: 0 }, writesAcked: 0, rejectedCodes: {} };

  constructor(private readonly o: LoadOptions) {
    this.rng = new Rng(o.seed);
  }

  private get kafkaPolicy(): RetryPolicy {
    return { ...this.o.policy, attemptTimeoutMs: this.o.policy.kafkaAttemptTimeoutMs };
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Offers the load for the duration, then waits for every operation to settle. */
  async run(onTick?: (elapsedS: number) => void): Promise<void> {
    const started = performance.now();
    const interval = 1000 / this.o.rate;
    let lastTick = 0;
    for (let n = 0; performance.now() - started < this.o.durationS * 1000; n++) {
      const wait = started + n * interval - performance.now();
      if (wait > 0) await sleep(wait);
      const elapsed = (performance.now() - started) / 1000;
      if (onTick && elapsed - lastTick >= 10) {
        lastTick = elapsed;
        onTick(elapsed);
      }
      if (this.inFlight.size >= this.o.maxInFlight) {
        this.stats.skipped++;
        continue;
      }
      const p = this.one().finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    await Promise.all([...this.inFlight]);
  }

  private async one(): Promise<void> {
    let [channel, kind] = this.pickKind();
    if ((kind === 'patch' || kind === 'delete') && this.known.length < 20) kind = 'create';
    const op = `o${String(++this.seq).padStart(7, '0')}`;
    const record: OpRecord = { op, channel, kind, key: `soak-${op}`, attempts: [], outcome: 'unknown', acked: [] };
    this.stats.ops++;
    this.stats.byKind[`${channel} ${kind}`] = (this.stats.byKind[`${channel} ${kind}`] ?? 0) + 1;
    try {
      if (kind === 'create' || kind === 'batch' || kind === 'atomic') await this.create(record);
      else await this.change(record);
    } catch (e) {
      record.outcome = 'unknown';
      record.code = `client error: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.stats.outcomes[record.outcome]++;
    this.stats.writesAcked += record.acked.length;
    if (record.outcome === 'rejected') this.stats.rejectedCodes[`${record.status} ${record.code ?? ''}`] = (this.stats.rejectedCodes[`${record.status} ${record.code ?? ''}`] ?? 0) + 1;
    this.o.log.write(record);
  }

  private pickKind(): [Channel, OpKind] {
    const total = MIX.reduce((s, m) => s + m[2], 0);
    let roll = this.rng.next() * total;
    for (const [channel, kind, weight] of MIX) {
      if ((roll -= weight) < 0) return [channel, kind];
    }
    return ['rest', 'create'];
  }

  private newRecord(marker: string, business = this.rng.pick(BUSINESSES)): SentRecord & { data_content: Record<string, unknown> } {
    return {
      business_id: business,
      user_id: String(this.rng.int(1, 300)),
      marker,
      data_content: {
        _op: marker,
        n: this.rng.int(0, 1_000_000),
        title: `${this.rng.pick(WORDS)} ${this.rng.pick(WORDS)}`,
        tags: [this.rng.pick(WORDS), this.rng.pick(WORDS)],
        flag: this.rng.chance(0.5),
        nested: { a: this.rng.int(0, 100), b: { c: this.rng.pick(WORDS), d: [1, 2, 3] } },
      },
    };
  }

  /** An RFC 7386 merge patch that always changes something (its marker) and exercises nulls, nesting and arrays. */
  private newPatch(marker: string): Record<string, unknown> {
    const patch: Record<string, unknown> = { _op: marker, n: this.rng.int(0, 1_000_000) };
    if (this.rng.chance(0.5)) patch.nested = { a: this.rng.chance(0.3) ? null : this.rng.int(0, 100), b: { c: this.rng.pick(WORDS) } };
    if (this.rng.chance(0.3)) patch.tags = this.rng.chance(0.5) ? null : [this.rng.pick(WORDS)];
    if (this.rng.chance(0.3)) patch.flag = null;
    if (this.rng.chance(0.3)) patch[`extra_${this.rng.int(0, 5)}`] = this.rng.chance(0.3) ? { deep: this.rng.pick(WORDS) } : this.rng.pick(WORDS);
    return patch;
  }

  private async create(record: OpRecord): Promise<void> {
    const count = record.kind === 'create' ? 1 : record.kind === 'batch' ? this.rng.int(3, 15) : this.rng.int(2, 6);
    const sent = Array.from({ length: count }, (_, i) => this.newRecord(count === 1 ? record.op : `${record.op}.${i}`));
    record.records = sent.map(({ business_id, user_id, marker }) => ({ business_id, user_id, marker }));
    const data = sent.map(({ business_id, user_id, data_content }) => ({ business_id, user_id, data_content }));
    let answer: Answer | undefined;
    if (record.channel === 'rest') {
      const single = record.kind === 'create';
      const body = single ? data[0] : { data, ...(record.kind === 'atomic' ? { atomic: true } : {}) };
      const path = single ? '/api/v1/data/single' : '/api/v1/data/batch';
      answer = await carefully(
        this.o.policy,
        (timeoutMs) => (record.kind === 'atomic' ? this.atomicAttempt(body, record, timeoutMs) : restCall(this.o.apiUrl, 'POST', path, { body, key: record.key, correlationId: record.op, timeoutMs })),
        record.attempts,
        (a) => a.status < 500 && a.status !== 207,
      );
    } else {
      const message = record.kind === 'create' ? { command_id: record.key, correlation_id: record.op, type: 'create', ...data[0] } : { command_id: record.key, correlation_id: record.op, type: 'create_batch', data };
      answer = await carefully(this.kafkaPolicy, (timeoutMs) => this.o.kafka.attempt(message, data[0].business_id, timeoutMs), record.attempts, (a) => a.status < 500 && a.status !== 207);
    }
    this.settle(record, answer, (body) => {
      if (record.kind === 'create') return [{ id: body.id, business_id: body.business_id, version: body.version, marker: sent[0].marker }];
      const results: { index: number; status: number; id?: string; version?: number; business_id?: string }[] = body.results ?? [];
      return results.filter((r) => r.status >= 200 && r.status < 300 && r.id).map((r) => ({ id: r.id!, business_id: r.business_id!, version: r.version!, marker: sent[r.index].marker }));
    });
    for (const w of record.acked) this.known.push({ id: w.id, business_id: w.business_id, version: w.version });
  }

  /** POST an atomic batch; a 202 is followed on its status URL until the saga finished. */
  private async atomicAttempt(body: unknown, record: OpRecord, timeoutMs: number): Promise<Answer> {
    const first = await restCall(this.o.apiUrl, 'POST', '/api/v1/data/batch', { body, key: record.key, correlationId: record.op, timeoutMs });
    if (first.status !== 202) return first;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      await sleep(500);
      const s = await restCall(this.o.apiUrl, 'GET', first.body.status_url, { timeoutMs: 5000 }).catch(() => undefined);
      if (!s || s.status !== 200) continue;
      if (s.body.status === 'completed') return { status: 201, body: s.body.result };
      if (['compensated', 'aborted'].includes(s.body.status)) return { status: 503, body: s.body, code: s.body.error?.code ?? 'BATCH.ABORTED' };
      if (s.body.status === 'parked') return { status: 202, body: s.body, code: 'SAGA.PARKED' };
    }
    throw Object.assign(new Error('timeout'), { name: 'TimeoutError' });
  }

  private async change(record: OpRecord): Promise<void> {
    const target = this.known[this.rng.int(0, this.known.length - 1)];
    record.business_id = target.business_id;
    record.id = target.id;
    if (this.rng.chance(0.5)) record.if_match = target.version;
    const isDelete = record.kind === 'delete';
    if (isDelete) this.known.splice(this.known.indexOf(target), 1);
    else record.patch = this.newPatch(record.op);
    let answer: Answer | undefined;
    if (record.channel === 'rest') {
      const path = `/api/v1/data/${encodeURIComponent(target.business_id)}/${target.id}`;
      answer = await carefully(this.o.policy, (timeoutMs) =>
        restCall(this.o.apiUrl, isDelete ? 'DELETE' : 'PATCH', path, {
          body: isDelete ? undefined : { data_content: record.patch },
          key: record.key,
          correlationId: record.op,
          ifMatch: record.if_match,
          timeoutMs,
        }),
      record.attempts);
    } else {
      const message = {
        command_id: record.key,
        correlation_id: record.op,
        type: isDelete ? 'delete' : 'update',
        business_id: target.business_id,
        id: target.id,
        ...(isDelete ? {} : { data_content: record.patch }),
        ...(record.if_match !== undefined ? { expected_version: record.if_match } : {}),
      };
      answer = await carefully(this.kafkaPolicy, (timeoutMs) => this.o.kafka.attempt(message, target.business_id, timeoutMs), record.attempts);
    }
    this.settle(record, answer, (body) => [{ id: body.id, business_id: body.business_id, version: body.version, marker: record.op }]);
    if (!isDelete && record.outcome === 'ack') target.version = Math.max(target.version, record.acked[0].version);
  }

  private settle(record: OpRecord, answer: Answer | undefined, acked: (body: any) => AckedWrite[]): void {
    if (!answer) return;
    record.status = answer.status;
    if (answer.code) record.code = answer.code;
    if (answer.status >= 200 && answer.status < 300 && answer.code !== 'SAGA.PARKED') {
      record.acked = acked(answer.body);
      // A 207 left after the retry budget: its acknowledged parts are acks, the others unknown.
      record.outcome = record.acked.length ? 'ack' : 'unknown';
    } else if (answer.status >= 400 && answer.status < 500) {
      record.outcome = 'rejected';
    }
  }
}
