import { randomUUID } from 'node:crypto';
import { redeliveryOf, type DeadLetter, type DeadLetterPublisher, type DeadLetterSource, type ResendEntry, type ResendLedger, type StoredDeadLetter } from '@shardline/projections';

export interface DeadLettersFixture {
  publisher: DeadLetterPublisher;
  source: DeadLetterSource;
  ledger: ResendLedger;
  close(): Promise<void>;
}

/**
 * What the dead-letter topic (written by the projections, read back by `dlq list|inspect|resend`)
 * and the resend ledger must do, run against the in-memory topic and ledger (unit) and Kafka
 * (integration): a letter comes back with the original bytes, headers and position and why it was
 * given up on; the ledger keeps the latest entry per letter and writes letters rejected again to
 * the topic with the entries.
 */
export function deadLettersContract(name: string, open: () => Promise<DeadLettersFixture>) {
  describe(`dead letters contract: ${name}`, () => {
    let f: DeadLettersFixture;
    beforeAll(async () => {
      f = await open();
    });
    afterAll(async () => f?.close());

    const tag = randomUUID().slice(0, 8);
    const letter = (n: number, kind: DeadLetter['kind'], value: Buffer, headers: Record<string, string> = {}): DeadLetter => ({
      message: { key: kind === 'decode' ? null : `${tag}-biz`, value, headers, position: { topic: `${tag}.records.events`, partition: 2, offset: String(100 + n) } },
      kind,
      reason: `${tag} reason ${n}`,
    });
    const all = async (): Promise<StoredDeadLetter[]> => {
      const out: StoredDeadLetter[] = [];
      const { complete } = await f.source.scan(async (letters) => void out.push(...letters));
      expect(complete).toBe(true);
      return out.filter((l) => l.reason.startsWith(tag));
    };

    it('scans a published letter back with its original key, value, headers and source position, the projection and why', async () => {
      await f.publisher.publish('clickhouse', [letter(1, 'decode', Buffer.from([0xff, 0x00, 0x7b])), letter(2, 'rejected', Buffer.from('{"n":2}'), { 'x-trace': 't-2' })]);
      const [decoded, rejected] = await all();
      expect(decoded).toMatchObject({ projection: 'clickhouse', kind: 'decode', reason: `${tag} reason 1`, key: null, source: { topic: `${tag}.records.events`, partition: 2, offset: '101' }, resendOf: null, resendRun: null });
      expect(decoded.value).toEqual(Buffer.from([0xff, 0x00, 0x7b]));
      expect(rejected).toMatchObject({ kind: 'rejected', originalHeaders: { 'x-trace': 't-2' }, source: { offset: '102' } });
      expect(rejected.key).toEqual(Buffer.from(`${tag}-biz`));
      expect(rejected.id).toBe(`${rejected.partition}:${rejected.offset}`);
      expect(Number.isNaN(Date.parse(rejected.storedAt))).toBe(false);
      expect(Number.isNaN(Date.parse(rejected.failedAt ?? ''))).toBe(false);
    });

    it('reads one letter by id; an id never written, or not an id, is missing', async () => {
      const [first] = await all();
      expect(await f.source.read(first.id)).toEqual(first);
      expect(await f.source.read(`${first.partition}:999999`)).toMatchObject({ missing: expect.any(String) });
      expect(await f.source.read('not-an-id')).toMatchObject({ missing: expect.any(String) });
    });

    it('keeps the latest ledger entry per letter, and writes the letters rejected again to the topic with their entries', async () => {
      const [first, second] = await all();
      const entry = (l: StoredDeadLetter, outcome: ResendEntry['outcome'], run: string): ResendEntry => ({ letter: l.id, run, projection: 'clickhouse', outcome, at: new Date().toISOString(), ...(outcome === 'rejected-again' ? { reason: 'still bad' } : {}) });
      // The second is delivered again, as a resend run does it, and rejected again.
      const again: DeadLetter = { message: redeliveryOf(second, 'run-1'), kind: 'rejected', reason: `${tag} reason 3` };
      await f.ledger.record([{ projection: 'clickhouse', letter: again }], [entry(first, 'applied', 'run-1'), entry(second, 'rejected-again', 'run-1')]);
      let entries = await f.ledger.entries();
      expect(entries.get(first.id)).toMatchObject({ outcome: 'applied', run: 'run-1' });
      expect(entries.get(second.id)).toMatchObject({ outcome: 'rejected-again', reason: 'still bad' });
      const letters = await all();
      expect(letters.map((l) => l.reason)).toEqual([`${tag} reason 1`, `${tag} reason 2`, `${tag} reason 3`]);
      expect(letters[2]).toMatchObject({ resendOf: second.id, resendRun: 'run-1', source: second.source, originalHeaders: second.originalHeaders });
      await f.ledger.record([], [entry(second, 'applied', 'run-2')]);
      entries = await f.ledger.entries();
      expect(entries.get(second.id)).toMatchObject({ outcome: 'applied', run: 'run-2' });
    });
  });
}
