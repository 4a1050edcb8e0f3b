import { InternalError } from '@shardline/errors';
import { encodeEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import type { DeadLetterKind } from '../apply/dead-letter.port';
import { InMemoryDeadLetterTopic, InMemoryResendLedger } from '../in-memory/in-memory-dead-letter.ports';
import { InMemorySink, testEnvelope } from '../in-memory/in-memory-projection.ports';
import { DLQ_HEADERS } from './dead-letter-headers';
import { resendDeadLetters, type ResendOptions } from './resend-dead-letters';

/** Version `version` of record 1000+n. */
function envelope(n: number, version = 1): RecordEventEnvelope {
  return testEnvelope(n, { event_id: `e${n}.${version}`, event_type: version === 1 ? 'RecordCreated' : 'RecordUpdated', stream_version: version, position: String(n * 10 + version) });
}

/** A dead-letter topic holding letters as the projector writes them: the event's message from records.events at `offset`. */
async function topicWith(letters: Array<{ projection: string; value: RecordEventEnvelope | Buffer; offset: number; kind?: DeadLetterKind; reason?: string }>) {
  const topic = new InMemoryDeadLetterTopic();
  for (const l of letters) {
    const value = Buffer.isBuffer(l.value) ? l.value : encodeEnvelope(l.value);
    const message = { key: 'acme', value, headers: { 'event-type': 'RecordCreated' }, position: { topic: 'records.events', partition: 3, offset: String(l.offset) } };
    await topic.publish(l.projection, [{ message, kind: l.kind ?? 'rejected', reason: l.reason ?? 'elasticsearch rejected the document: index_closed_exception: closed' }]);
  }
  return topic;
}

function setup(topic: InMemoryDeadLetterTopic) {
  const ledger = new InMemoryResendLedger(topic);
  const sinks = { elasticsearch: new InMemorySink([], 'elasticsearch'), clickhouse: new InMemorySink([], 'clickhouse') };
  let runs = 0;
  const resend = (options: Partial<ResendOptions> = {}) =>
    resendDeadLetters(
      { run: `run${++runs}`, filter: {}, retry: { initialMs: 1, maxMs: 1 }, maxAttempts: 3, ...options },
      { letters: topic, ledger, sinkOf: (p) => (sinks as Record<string, InMemorySink>)[p] ?? null },
    );
  return { ledger, sinks, resend };
}

const versions = (sink: InMemorySink) => sink.applied.map((e) => `${e.record_id}@${e.stream_version}`);

describe('resendDeadLetters', () => {
  it('delivers each pending letter to the live sink of its projection, records it, and a second run finds nothing to do', async () => {
    const topic = await topicWith([
      { projection: 'elasticsearch', value: envelope(1), offset: 11 },
      { projection: 'clickhouse', value: envelope(2), offset: 12 },
      // A rebuild's letter goes to the live projection the rebuilt model became.
      { projection: 'elasticsearch-rebuild-r20260102030405678', value: envelope(3), offset: 13 },
    ]);
    const { sinks, ledger, resend } = setup(topic);

    const first = await resend();
    expect(first).toMatchObject({ scanned: 3, selected: 3, applied: 3, rejectedAgain: 0, alreadyResent: 0, complete: true });
    expect(versions(sinks.elasticsearch)).toEqual(['1001@1', '1003@1']);
    expect(versions(sinks.clickhouse)).toEqual(['1002@1']);
    expect(ledger.recorded.map((e) => [e.letter, e.outcome, e.projection])).toEqual([
      ['0:0', 'applied', 'elasticsearch'],
      ['0:2', 'applied', 'elasticsearch'],
      ['0:1', 'applied', 'clickhouse'],
    ]);

    const second = await resend();
    expect(second).toMatchObject({ scanned: 3, selected: 0, applied: 0, alreadyResent: 3 });
    expect(versions(sinks.elasticsearch)).toEqual(['1001@1', '1003@1']);
    // Asked for explicitly: delivered again (the sinks' versions make it harmless), recorded again.
    expect(await resend({ includeResent: true })).toMatchObject({ selected: 3, applied: 3 });
  });

  it('sends a letter rejected again back to the dead-letter topic with its new reason, the same bytes and source, naming the letter it replaces', async () => {
    const topic = await topicWith([{ projection: 'clickhouse', value: envelope(1), offset: 41 }]);
    const { sinks, ledger, resend } = setup(topic);
    sinks.clickhouse.rejects = () => 'business_id must be 1..64 characters';

    expect(await resend()).toMatchObject({ selected: 1, applied: 0, rejectedAgain: 1 });
    const [old, replacement] = topic.letters();
    expect(replacement).toMatchObject({
      id: '0:1',
      projection: 'clickhouse',
      kind: 'rejected',
      reason: 'business_id must be 1..64 characters',
      source: { topic: 'records.events', partition: 3, offset: '41' },
      resendOf: old.id,
      resendRun: 'run1',
      originalHeaders: { 'event-type': 'RecordCreated' },
    });
    expect(replacement.value).toEqual(old.value);
    expect(ledger.recorded).toEqual([expect.objectContaining({ letter: '0:0', outcome: 'rejected-again', reason: 'business_id must be 1..64 characters' })]);

    // After the fix only the replacement is pending.
    sinks.clickhouse.rejects = () => null;
    expect(await resend()).toMatchObject({ selected: 1, applied: 1, alreadyResent: 1 });
    expect(ledger.recorded.at(-1)).toMatchObject({ letter: '0:1', outcome: 'applied' });
    expect(topic.letters()).toHaveLength(2);
  });

  it('re-delivers a chunk whose run was killed before it was recorded, and records it once (no second replacement letter)', async () => {
    const topic = await topicWith([
      { projection: 'elasticsearch', value: envelope(1), offset: 1 },
      { projection: 'elasticsearch', value: envelope(2), offset: 2 },
    ]);
    const { sinks, ledger, resend } = setup(topic);
    sinks.elasticsearch.rejects = (e) => (e.record_id === '1002' ? 'still closed' : null);
    ledger.crashes = 1;
    await expect(resend({ maxAttempts: 1 })).rejects.toThrow('killed before the record');
    expect(ledger.recorded).toEqual([]);
    expect(topic.letters()).toHaveLength(2);

    expect(await resend()).toMatchObject({ selected: 2, applied: 1, rejectedAgain: 1 });
    expect(versions(sinks.elasticsearch)).toEqual(['1001@1', '1001@1']);
    expect(topic.letters().map((l) => l.resendOf)).toEqual([null, null, '0:1']);
    expect(ledger.recorded.map((e) => e.letter)).toEqual(['0:0', '0:1']);
  });

  it('selects by id, kind, reason and projection; reports ids it does not hold and projections it cannot write', async () => {
    const topic = await topicWith([
      { projection: 'elasticsearch', value: envelope(1), offset: 1, reason: 'index_closed_exception: closed' },
      { projection: 'elasticsearch', value: Buffer.from('{oops'), offset: 2, kind: 'decode', reason: 'message value is not JSON' },
      { projection: 'clickhouse', value: envelope(3), offset: 3, reason: 'business_id must be 1..64 characters' },
      { projection: 'solr', value: envelope(4), offset: 4 },
    ]);
    const { sinks, resend } = setup(topic);

    expect(await resend({ filter: { ids: ['0:2', '0:99'] }, dryRun: true })).toMatchObject({ selected: 1, missingIds: ['0:99'] });
    expect(await resend({ filter: { kind: 'decode' }, dryRun: true })).toMatchObject({ selected: 1, perProjection: { elasticsearch: { selected: 1 } } });
    expect(await resend({ filter: { reason: 'BUSINESS_ID' }, dryRun: true })).toMatchObject({ selected: 1, perProjection: { clickhouse: { selected: 1 } } });
    expect(await resend({ filter: { projection: 'elasticsearch' }, dryRun: true })).toMatchObject({ selected: 2 });
    expect(await resend({ dryRun: true })).toMatchObject({ selected: 3, unknownProjection: { solr: 1 } });
    expect(sinks.elasticsearch.applied).toEqual([]);

    const byId = await resend({ filter: { ids: ['0:0'] } });
    expect(byId).toMatchObject({ selected: 1, applied: 1 });
    expect(versions(sinks.elasticsearch)).toEqual(['1001@1']);
    expect(sinks.clickhouse.applied).toEqual([]);
    // The undecodable letter is decoded again, fails again: back to the topic as kind decode.
    expect(await resend({ filter: { kind: 'decode' } })).toMatchObject({ selected: 1, rejectedAgain: 1 });
    expect(topic.letters().at(-1)).toMatchObject({ kind: 'decode', resendOf: '0:1', headers: { [DLQ_HEADERS.projection]: 'elasticsearch' } });
  });

  it('retries a read model that is down, and fails at once on an error retrying cannot help', async () => {
    const topic = await topicWith([{ projection: 'elasticsearch', value: envelope(1), offset: 1 }]);
    const { sinks, ledger, resend } = setup(topic);
    sinks.elasticsearch.failures = 2;
    expect(await resend()).toMatchObject({ applied: 1 });

    const fatal = await topicWith([{ projection: 'elasticsearch', value: envelope(2), offset: 2 }]);
    const broken = setup(fatal);
    let calls = 0;
    broken.sinks.elasticsearch.apply = async () => {
      calls += 1;
      throw new InternalError('PROJECTION.NO_USER_KEYS', 'no keys');
    };
    await expect(broken.resend({ maxAttempts: 5 })).rejects.toThrow('no keys');
    expect(calls).toBe(1);
    expect(broken.ledger.recorded).toEqual([]);
    expect(ledger.recorded).toHaveLength(1);
  });
});
