import fc from 'fast-check';
import type { CommandBus } from '@nestjs/cqrs';
import { CreateRecord, CreateRecordsBatch, DeleteRecord, UpdateRecord } from '@shardline/records';
import { RecordCommandIntake } from '@shardline/records-kafka';
import { recordsInMemory } from '../../libs/records/src/testing/in-memory-records.spec-helper';
import { commandMessageValues, problemsOf } from '../fuzz/command-message-arbitraries';
import { FUZZ_RUNS, FUZZ_SEED, oddString } from '../fuzz/fuzz-support';

/**
 * Kafka command messages fuzzed through the real intake (parser → records command → the command
 * handlers on in-memory adapters): every message gets exactly one result, never a 5xx (except the
 * documented 501 for an atomic batch where no saga runtime is wired), every 400 naming its field,
 * and a refused command writes no event.
 */
describe('fuzzing Kafka command messages through the intake', () => {
  const records = recordsInMemory();
  const bus = {
    execute: (command: unknown) => {
      if (command instanceof CreateRecord) return records.create.execute(command);
      if (command instanceof UpdateRecord) return records.update.execute(command);
      if (command instanceof DeleteRecord) return records.remove.execute(command);
      if (command instanceof CreateRecordsBatch) return records.batch.execute(command);
      throw new Error(`no handler for ${String(command)}`);
    },
  } as unknown as CommandBus;
  const intake = new RecordCommandIntake(bus);
  const eventCount = () => [0, 1, 2, 3].reduce((n, shard) => n + records.store.outbox(shard).length, 0);
  const created: Array<{ business_id: string; id: string }> = [];
  const statuses = new Map<number, number>();
  let cases = 0;

  afterAll(() => {
    const seen = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    // eslint-disable-next-line no-console
    console.log(`fuzz kafka command messages (seed ${FUZZ_SEED}): cases ${cases}, 5xx found ${[...statuses].filter(([s]) => s >= 500 && s !== 501).reduce((n, [, c]) => n + c, 0)} [${seen}]`);
  });

  const value = commandMessageValues(created);

  it('every message gets one result: no 5xx, 400s name their field, refusals write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(value, fc.option(oddString(20), { nil: null }), async (raw, key) => {
        cases++;
        const before = eventCount();
        const { result } = await intake.handle({ value: raw, key, source: { topic: 'records.commands', partition: 0, offset: String(cases) } });
        statuses.set(result.http_status, (statuses.get(result.http_status) ?? 0) + 1);
        const problems = problemsOf(result);
        if (result.status === 'error' && eventCount() !== before) problems.push(`refused with ${result.http_status} but wrote ${eventCount() - before} events`);
        if (result.status === 'ok' && result.http_status === 201 && typeof (result.result as { id?: unknown }).id === 'string') created.push(result.result as { business_id: string; id: string });
        if (problems.length > 0) throw new Error(`${problems.join('; ')}\n  value: ${String(raw).slice(0, 300)}\n  result: ${JSON.stringify(result).slice(0, 500)}`);
      }),
      { numRuns: FUZZ_RUNS * 3, seed: FUZZ_SEED, endOnFailure: true },
    );
  }, 120_000);
});
