import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { encodeEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { RecordsIndexNames } from '@shardline/projection-elasticsearch';
import type { DeadLetterListing, ResendReport } from '@shardline/projections';
import { KafkaDeadLetterPublisher, resendLedgerTopic } from '@shardline/projections/kafka';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { DEVELOPMENT_MASTER_KEY, KeyWrapping } from '@shardline/user-keys';
import { MysqlUserKeys } from '@shardline/user-keys/mysql';
import { dlqCommand, type DlqCommandOptions } from '../../apps/ops-cli/src/dlq/dlq.command';
import type { DlqInspectResult } from '../../apps/ops-cli/src/dlq/dlq-inspect.command';
import { projectorConfigFromEnv } from '../../apps/projector/src/config';
import { startProjectorApp, type ProjectorApp } from '../../apps/projector/src/create-projector-app';
import { clickhouse } from '../pipeline/pipeline-fixture';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { allDocuments, asMessages, createTestKafka, dropIndexBase, produce, projectorTestEnv, sealedMessages, randomTag, RecordStory, testEsClient, type TestKafka } from './projection-fixtures';

/**
 * The dead-letter tooling (`ops-cli dlq`) against the real projector, Kafka, Elasticsearch,
 * ClickHouse and the control database's user keys. The cause an operator fixes: a monthly index
 * someone closed (Elasticsearch answers 400 index_closed_exception per document, which the sink
 * dead-letters); and letters ClickHouse wrote before a code fix (issue 11, item 7).
 */
describe('ops-cli dlq: list, inspect, resend (projector + Kafka + Elasticsearch + ClickHouse)', () => {
  const tag = randomTag();
  const base = `${tag}-records`;
  const database = `${tag}_analytics`;
  const CAROL = '701';
  const carolMarker = `capybara${tag}`;
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let keys: MysqlUserKeys;
  let k: TestKafka;
  let client: Client;
  let app: ProjectorApp;
  let env: Record<string, string>;
  let monthIndex: string;
  const business = `biz-${tag}`;
  const freshDeadLetterTopic = `${tag}.fresh.dlq`;
  const a = new RecordStory(business, '11', { note: 'a1' }).update({ note: 'a2' });
  const b = new RecordStory(business, CAROL, { note: carolMarker });
  const d = new RecordStory(business, '12', { note: 'd1' });

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    databases = new ShardDatabases(dbs.config);
    keys = new MysqlUserKeys(databases.control, new KeyWrapping(DEVELOPMENT_MASTER_KEY));
    k = await createTestKafka(tag, 2);
    client = testEsClient();
    env = projectorTestEnv(tag, k.topics, {
      SHARDLINE_PROJECTIONS: 'elasticsearch,clickhouse',
      SHARDLINE_ES_REFRESH_INTERVAL: '200ms',
      SHARDLINE_PROJECTOR_RETRY_MAX_MS: '1000',
      SHARDLINE_CONTROL_URL: dbs.controlUrl(),
    });
    app = await startProjectorApp(projectorConfigFromEnv(env));
    await app.started;
    monthIndex = new RecordsIndexNames(base).indexOfRecord('', a.id);
    await waitFor(`index ${monthIndex}`, async () => (await client.indices.exists({ index: monthIndex })) === true);
  });
  afterAll(async () => {
    await app?.stop();
    await k?.drop();
    await dropTopics(k.kafka, [resendLedgerTopic(k.topics.deadLetter), freshDeadLetterTopic, resendLedgerTopic(freshDeadLetterTopic)]);
    if (client) {
      await client.indices.open({ index: monthIndex }).catch(() => undefined);
      await dropIndexBase(client, base);
      await client.close();
    }
    await clickhouse(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
    await databases?.destroy();
    await dbs?.drop();
  });

  async function dropTopics(kafka: TestKafka['kafka'], topics: string[]): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }

  async function dlq(argv: string[], options: DlqCommandOptions = {}): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const code = await dlqCommand(argv, env, { out: (text) => lines.push(text), ...options });
    return { code, text: lines.join('\n') };
  }
  async function dlqJson<T>(argv: string[], expectedCode = 0): Promise<T> {
    const { code, text } = await dlq([...argv, '--json']);
    expect({ code, text }).toEqual({ code: expectedCode, text: expect.any(String) });
    return JSON.parse(text) as T;
  }
  const list = (...argv: string[]) => dlqJson<DeadLetterListing>(['list', ...argv]);
  const resend = (argv: string[], expectedCode = 0) => dlqJson<ResendReport>(['resend', ...argv], expectedCode);
  const idOf = (listing: DeadLetterListing, story: RecordStory, version: number) => listing.letters.find((l) => l.record_id === story.id && l.stream_version === version)?.id;

  async function esVersion(story: RecordStory): Promise<number | undefined> {
    return (await allDocuments(client, base)).get(story.id)?.version;
  }

  const sealed = (events: RecordEventEnvelope[]) => sealedMessages(keys, events);

  it('an index an operator closed: the rejected events are listed with their reason, inspected (sealed content stays sealed), re-sent by id and then all once it is open again, without regressing a newer version', async () => {
    await client.indices.close({ index: monthIndex });
    await produce(k.kafka, k.topics.events, [...asMessages(a.events), ...(await sealed(b.events))]);
    // ClickHouse took all three; Elasticsearch refused each with 400 index_closed_exception.
    const pending = await waitFor(
      '3 letters',
      async () => {
        const listing = await list();
        return listing.matched === 3 && listing;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(pending.projections).toEqual([
      expect.objectContaining({
        projection: 'elasticsearch',
        letters: 3,
        kinds: { rejected: 3 },
        reasons: [expect.objectContaining({ pattern: 'elasticsearch rejected the document: index_closed_exception: closed', count: 3 })],
      }),
    ]);
    expect(pending.letters.map((l) => [l.record_id, l.stream_version, l.business_id, l.status, l.kind])).toEqual(
      expect.arrayContaining([
        [a.id, 1, business, 'pending', 'rejected'],
        [a.id, 2, business, 'pending', 'rejected'],
        [b.id, 1, business, 'pending', 'rejected'],
      ]),
    );
    expect(pending.letters.every((l) => l.source?.startsWith(`${k.topics.events}/`))).toBe(true);
    // The ClickHouse projection is its own consumer group: it catches up on its own time (fetches wait up to SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MAX_WAIT_MS).
    await waitFor('a and b in ClickHouse', async () => {
      const [[inClickHouse]] = await clickhouse(`SELECT count() FROM ${database}.records_latest FINAL WHERE record_id IN (${a.id}, ${b.id})`);
      return inClickHouse === '2';
    });
    expect((await list('--projection', 'clickhouse')).matched).toBe(0);
    expect((await list('--reason', 'INDEX_CLOSED', '--kind', 'rejected')).matched).toBe(3);
    const text = await dlq(['list']);
    expect(text.text).toMatch(/elasticsearch: 3 letters \(rejected 3\)/);
    // The test's topic was made by the fixture, with the broker's default retention.
    expect(text.text).toMatch(/retention \d+\.\d days/);

    // inspect: the whole letter; the sealed content only with --open, from the user's key.
    const bId = idOf(pending, b, 1)!;
    const inspected = await dlqJson<DlqInspectResult>(['inspect', bId]);
    expect(inspected).toMatchObject({
      id: bId,
      status: 'pending',
      projection: 'elasticsearch',
      kind: 'rejected',
      reason: 'elasticsearch rejected the document: index_closed_exception: closed',
      source: { topic: k.topics.events },
      key: business,
      envelope: { envelope_version: 2, record_id: b.id, data: { sealed: expect.stringMatching(/^\(sealed A256GCM: \d+ bytes/) } },
      envelope_error: null,
      headers: expect.objectContaining({ 'x-shardline-error-kind': 'rejected', 'x-shardline-projection': 'elasticsearch' }),
    });
    expect(inspected.value_bytes).toBe((await sealed(b.events))[0].value.length);
    expect(JSON.stringify(inspected)).not.toContain(carolMarker);
    const opened = await dlqJson<DlqInspectResult>(['inspect', bId, '--open']);
    expect(opened.opened).toEqual({ data: expect.objectContaining({ data_content: { note: carolMarker } }) });
    expect((await dlq(['inspect', '0:999999'])).code).toBe(4);

    // The fix: open the index. Resend by id delivers that letter only.
    await client.indices.open({ index: monthIndex });
    const byId = await resend(['--id', bId]);
    expect(byId).toMatchObject({ selected: 1, applied: 1, rejectedAgain: 0, missingIds: [] });
    await waitFor('b in Elasticsearch', async () => (await esVersion(b)) === 1);
    expect(await esVersion(a)).toBeUndefined();

    // A newer version of a arrives live; then every letter is re-sent, a's v1 and v2 among them.
    a.update({ note: 'a3' });
    await produce(k.kafka, k.topics.events, asMessages([a.events[2]]));
    await waitFor('a at v3', async () => (await esVersion(a)) === 3);
    expect(await resend(['--all'])).toMatchObject({ selected: 2, applied: 2, alreadyResent: 1 });
    const docs = await allDocuments(client, base);
    expect(docs.get(a.id)).toMatchObject({ version: 3, _version: 3, data_content: { note: 'a3' } });

    // Twice: nothing left to send. Forced: delivered again, still one document per record at its version.
    expect(await resend(['--all'])).toMatchObject({ selected: 0, applied: 0, alreadyResent: 3 });
    expect(await resend(['--all', '--include-resent'])).toMatchObject({ selected: 3, applied: 3 });
    const again = await allDocuments(client, base);
    expect([...again.values()].map((doc) => [doc.record_id, doc.version])).toEqual(expect.arrayContaining([[a.id, 3], [b.id, 1]]));
    expect(again.size).toBe(docs.size);
    expect((await list()).matched).toBe(0);
    expect((await list('--all-statuses')).letters.map((l) => l.status)).toEqual(['applied', 'applied', 'applied']);
  });

  it('a letter rejected again goes back with its new reason; a resend killed before its commit leaves no trace and the next run settles the letter once', async () => {
    await client.indices.close({ index: monthIndex });
    await produce(k.kafka, k.topics.events, asMessages(d.events));
    const dId = await waitFor('d dead-lettered', async () => idOf(await list(), d, 1));

    // Run 1 stalls inside its transaction (replacement letter and ledger entry written, not committed): a kill -9 there.
    let entered!: () => void;
    const inTransaction = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const hung = dlq(['resend', '--id', dId], {
      run: 'resend-killed',
      beforeCommit: () => {
        entered();
        return new Promise<void>((r) => (release = r));
      },
    });
    await inTransaction;
    // Run 2 fences run 1 off (the broker aborts its transaction), finds d still pending, and meets the closed index again.
    const second = await resend(['--id', dId], 3);
    expect(second).toMatchObject({ selected: 1, applied: 0, rejectedAgain: 1 });
    release();
    await expect(hung).rejects.toMatchObject({ code: 'DLQ.RESEND_FENCED' });

    const all = await list('--all-statuses');
    const replacements = all.letters.filter((l) => l.resend_of === dId);
    expect(replacements).toEqual([expect.objectContaining({ status: 'pending', record_id: d.id, reason: 'elasticsearch rejected the document: index_closed_exception: closed' })]);
    expect(all.letters.find((l) => l.id === dId)).toMatchObject({ status: 'rejected-again' });
    expect(all.letters.filter((l) => l.record_id === d.id)).toHaveLength(2);

    await client.indices.open({ index: monthIndex });
    expect(await resend(['--all'])).toMatchObject({ selected: 1, applied: 1 });
    await waitFor('d in Elasticsearch', async () => (await esVersion(d)) === 1);
    expect((await list()).matched).toBe(0);
  });

  it('ClickHouse letters written before a fix are re-sent to ClickHouse; an older version re-sent after a newer one does not regress records_latest', async () => {
    // e is live at v2 everywhere; the letters say ClickHouse once refused e's v1 and f (the 33-emoji
    // business_id of issue 11, item 7, before the row mapping counted characters).
    const e = new RecordStory(business, '13', { note: 'e1' }).update({ note: 'e2' });
    const emoji = '\u{1F600}'.repeat(33);
    const f = new RecordStory(emoji, '14', { note: 'f1' });
    await produce(k.kafka, k.topics.events, asMessages([e.events[1]]));
    await waitFor('e at v2 in ClickHouse', async () => (await clickhouse(`SELECT version FROM ${database}.records_latest FINAL WHERE record_id = ${e.id}`))[0]?.[0] === '2');
    const publisher = new KafkaDeadLetterPublisher(k.kafka, k.topics.deadLetter);
    await publisher.connect();
    const reason = 'business_id must be 1..64 characters of valid UTF-16';
    await publisher.publish(
      'clickhouse',
      [e.events[0], f.events[0]].map((event, i) => ({ message: { key: event.business_id, value: encodeEnvelope(event), headers: {}, position: { topic: k.topics.events, partition: 0, offset: String(9000 + i) } }, kind: 'rejected', reason })),
    );
    await publisher.disconnect();
    expect((await list('--projection', 'clickhouse')).matched).toBe(2);

    for (const argv of [['--projection', 'clickhouse'], ['--projection', 'clickhouse', '--include-resent']]) {
      expect(await resend(argv)).toMatchObject({ selected: 2, applied: 2, perProjection: { clickhouse: { selected: 2, applied: 2 } } });
      expect(await clickhouse(`SELECT version, data FROM ${database}.records_latest FINAL WHERE record_id = ${e.id}`)).toEqual([['2', '{"note":"e2"}']]);
      expect(await clickhouse(`SELECT stream_version FROM ${database}.record_events FINAL WHERE record_id = ${e.id} ORDER BY stream_version`)).toEqual([['1'], ['2']]);
      expect(await clickhouse(`SELECT business_id, version FROM ${database}.records_latest FINAL WHERE record_id = ${f.id}`)).toEqual([[emoji, '1']]);
      expect(await clickhouse(`SELECT count() FROM ${database}.record_events FINAL WHERE record_id = ${f.id}`)).toEqual([['1']]);
    }
    // Elasticsearch was not asked: f reached ClickHouse only.
    expect(await esVersion(f)).toBeUndefined();
  });

  it('runs from the command line: refuses a resend without a selection, lists as JSON, creates a missing dead-letter topic and its ledger with 30 days of retention', () => {
    const run = (argv: string[], extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['-r', resolve(__dirname, '../../scripts/register-ts.cjs'), resolve(__dirname, '../../apps/ops-cli/src/main.ts'), 'dlq', ...argv], {
        env: { ...process.env, ...env, ...extra },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const refused = run(['resend']);
    expect({ status: refused.status, stdout: refused.stdout }).toEqual({ status: 2, stdout: expect.stringContaining('say which letters to resend') });
    const listed = run(['list', '--json', '--all-statuses']);
    expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(JSON.parse(listed.stdout)).toMatchObject({ topic: k.topics.deadLetter, complete: true, matched: 7 });
    const fresh = run(['list'], { SHARDLINE_EVENTS_DLQ_TOPIC: freshDeadLetterTopic });
    expect({ status: fresh.status, stdout: fresh.stdout }).toEqual({ status: 0, stdout: expect.stringContaining(`${freshDeadLetterTopic}: 0 letters retained (retention 30.0 days)`) });
  });
});
