import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isShardlineError, messageOf } from '@shardline/errors';
import { DEFAULT_GROUP_SIZE, groupRows, planMoves, slotMoveSagaId, SlotMoveOperator, type DeleteCursor, type MoveRequest, type SlotMoveAction, type SlotMoveStatus } from '@shardline/slot-moves';
import { deleteProcessedCommandsOfSlots } from '@shardline/event-store/mysql';
import { estimateRowsPerSlot, MysqlSlotCopier, MysqlSlotMoveStore, MysqlSourceObservations } from '@shardline/slot-moves/mysql';
import { connectionOfShard, shardingConfigFromEnv } from '@shardline/sharding';
import { backfillSlotChunk, MysqlShardRegistry, MysqlSlotMapReaders, MysqlSlotMapStore, rowsWithoutSlot, ShardDatabases, type SlotBackfillCursor } from '@shardline/sharding/mysql';
import { slotMoveInput, slotMoveOrchestrator, SLOT_MOVE } from './slot-move-sagas';

export const SLOTS_USAGE = `usage: ops-cli slots move (--to-shards N | --slots SLOT:SHARD,…) [--group-size 16] [--parallel 2]
                       [--pause-ms 0] [--behind 1000] [--dry-run]
       ops-cli slots status [--move ID] [--json]
       ops-cli slots pause|resume|abort --move ID
       ops-cli slots cleanup --move ID [--grace-s 60]
       ops-cli slots backfill [--shard N] [--chunk 2000] [--pause-ms 0]
  move:    plans the moves (every slot to slot % N, or the listed ones), stores the plan and starts one
           slot-move saga per group of up to --group-size slots sharing (from, to); at most --parallel
           groups copy at once, --pause-ms between two chunks of a group (the throttle), and a group
           cuts over once fewer than --behind source rows trail its copy. Refused while a running
           process routes by an older slot map (slot_map_readers) or a slot is in another open move.
  status:  per group: stage, slots, rows copied, rows behind (the lag), copy rate, ETA, saga status;
           the open moves by default. The ETA starts from the source's rows per slot at planning.
  pause:   stops the move's groups after their current chunk; resume goes on; abort rolls back every
           group before its flip (a group past it finishes: plan the reverse move instead).
  cleanup: deletes the copies the finished groups left on their old shards, once every live process
           routes by the current map and --grace-s passed since the group finished. Never automatic.
  backfill: fills events.slot and records.slot on rows written before shard migration 0010, --chunk
           rows per statement, every shard (or --shard N); resumable (run it again after a crash).
           Moves are correct without it, but their scans read every row still without a slot.
  Exit: 0 done, 2 bad command line, 3 refused (printed why).`;

type Print = (line: string) => void;

/** How long a process may stay silent in slot_map_readers and still count as alive. */
const READER_ALIVE_MS = 60_000;

/** `ops-cli slots …` (docs/adr/0008, sections 4 and 5). */
export async function slotsCommand(argv: string[], env: Record<string, string | undefined>, print: Print = console.log): Promise<number> {
  const [sub, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        'to-shards': { type: 'string' },
        slots: { type: 'string' },
        'group-size': { type: 'string' },
        parallel: { type: 'string' },
        'pause-ms': { type: 'string' },
        behind: { type: 'string' },
        'dry-run': { type: 'boolean' },
        move: { type: 'string' },
        json: { type: 'boolean' },
        'grace-s': { type: 'string' },
        shard: { type: 'string' },
        chunk: { type: 'string' },
      },
    });
  } catch (error) {
    print(messageOf(error));
    return usage(print);
  }
  const v = parsed.values;
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  try {
    for (const entry of await new MysqlShardRegistry(databases.control).list()) databases.addShard(entry.shard, connectionOfShard(databases.config, entry));
    switch (sub) {
      case 'move':
        return await move(databases, env, v, print);
      case 'status':
        return await status(databases, env, v.move, v.json ?? false, print);
      case 'pause':
      case 'resume':
      case 'abort':
        if (!v.move) return usage(print);
        return await operate(databases, env, sub, v.move, print);
      case 'cleanup':
        if (!v.move) return usage(print);
        return await cleanup(databases, v.move, integer(v['grace-s'], 60, 0, 30 * 86_400, '--grace-s'), print);
      case 'backfill':
        return await backfill(databases, v, print);
      default:
        return usage(print);
    }
  } catch (error) {
    if (error instanceof BadArgument) {
      print(error.message);
      return 2;
    }
    if (isShardlineError(error) && (error.kind === 'unprocessable' || error.kind === 'illegal-state' || error.kind === 'conflict' || error.kind === 'not-found')) {
      print(`refused: ${error.message}`);
      return 3;
    }
    throw error;
  } finally {
    await databases.destroy();
  }
}

class BadArgument extends Error {}

function integer(raw: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadArgument(`${name} must be an integer ${min}..${max}, not ${raw}`);
  return n;
}

function requestOf(v: { 'to-shards'?: string; slots?: string }): MoveRequest {
  if ((v['to-shards'] === undefined) === (v.slots === undefined)) throw new BadArgument('give exactly one of --to-shards N and --slots SLOT:SHARD,…');
  if (v['to-shards'] !== undefined) return { toShards: integer(v['to-shards'], 0, 1, 4096, '--to-shards') };
  const slots = v.slots!.split(',').map((pair) => {
    const m = /^(\d+):(\d+)$/.exec(pair.trim());
    if (!m) throw new BadArgument(`--slots: "${pair}" is not SLOT:SHARD`);
    return [Number(m[1]), Number(m[2])] as const;
  });
  return { slots };
}

async function move(databases: ShardDatabases, env: Record<string, string | undefined>, v: Record<string, string | boolean | undefined>, print: Print): Promise<number> {
  const request = requestOf(v as { 'to-shards'?: string; slots?: string });
  const groupSize = integer(v['group-size'] as string | undefined, DEFAULT_GROUP_SIZE, 1, 256, '--group-size');
  const parallel = integer(v.parallel as string | undefined, 2, 1, 64, '--parallel');
  const run = { pauseMs: integer(v['pause-ms'] as string | undefined, 0, 0, 600_000, '--pause-ms'), behindThreshold: integer(v.behind as string | undefined, 1_000, 0, 10_000_000, '--behind') };
  const control = databases.control;
  const mapStore = new MysqlSlotMapStore(control);
  const moves = new MysqlSlotMoveStore(control);
  const [assignments, shards, version, inOpenMoves] = await Promise.all([mapStore.ownership(), new MysqlShardRegistry(control).list(), mapStore.version(), moves.slotsInOpenMoves()]);
  // Relays start loops for new shards, and every process learns new pools, on a map version: a
  // process that has not loaded the current one might not reach a target yet (4.6).
  const behind = await new MysqlSlotMapReaders(control).behind(version, READER_ALIVE_MS);
  if (behind.length > 0) {
    print(`refused: ${behind.length} running process(es) route by a map older than version ${version}: ${behind.slice(0, 10).map((r) => `${r.reader} (v${r.version})`).join(', ')}`);
    return 3;
  }
  const plan = planMoves({ assignments, registeredShards: shards.map((s) => s.shard), inOpenMoves }, request, groupSize);
  if (!plan.ok) {
    print(`refused: ${plan.refusals.length} slot(s) cannot move as asked`);
    for (const r of plan.refusals.slice(0, 20)) print(`  slot ${r.slot}: ${r.reason}${'toShard' in r ? ` (shard ${r.toShard})` : ''}${'moveId' in r && r.moveId ? ` (move ${r.moveId})` : ''}`);
    return 3;
  }
  const slots = plan.groups.reduce((n, g) => n + g.slots.length, 0);
  if (plan.groups.length === 0) {
    print('nothing to move: every slot is already where it was asked to be');
    return 0;
  }
  const pairs = new Map<string, number>();
  for (const g of plan.groups) pairs.set(`${g.fromShard} → ${g.toShard}`, (pairs.get(`${g.fromShard} → ${g.toShard}`) ?? 0) + g.slots.length);
  const summary = [...pairs].map(([pair, n]) => `${pair}: ${n}`).join(', ');
  if (v['dry-run']) {
    print(`would move ${slots} slot(s) in ${plan.groups.length} group(s) (${summary})`);
    return 0;
  }
  const moveId = `m${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomBytes(3).toString('hex')}`;
  const slotsOwned = new Map<number, number>();
  for (const a of assignments) slotsOwned.set(a.shard, (slotsOwned.get(a.shard) ?? 0) + 1);
  const sources = new Map([...new Set(plan.groups.map((g) => g.fromShard))].map((shard) => [shard, slotsOwned.get(shard) ?? 0]));
  const rowsPerSlot = await estimateRowsPerSlot(databases, sources);
  await moves.createPlan(moveId, plan.groups, { request, groupSize, parallel, ...run, mapVersion: version, rowsPerSlot });
  // One observation of each source shard now: by the time a shard's first group starts, it is
  // likely older than the settle window and that group copies at once (docs/adr/0008, 4.2).
  // Only a head start: a group that finds none observes itself.
  await new MysqlSourceObservations(control).observeSources(moveId, databases, plan.groups.map((g) => g.fromShard)).catch((error: Error) => print(`note: source shards not observed at planning (${error.message}); each first group observes and waits the settle window`));
  const { orchestrator, close } = slotMoveOrchestrator(control, env);
  try {
    for (const group of plan.groups) await orchestrator.start(SLOT_MOVE, slotMoveInput(moveId, group, run), { id: slotMoveSagaId(moveId, group.group) });
  } finally {
    await close();
  }
  print(`move ${moveId}: ${slots} slot(s) in ${plan.groups.length} group(s) (${summary}), ${parallel} at a time; follow it with: ops-cli slots status --move ${moveId}`);
  return 0;
}

async function status(databases: ShardDatabases, env: Record<string, string | undefined>, moveId: string | undefined, json: boolean, print: Print): Promise<number> {
  const { orchestrator, close } = slotMoveOrchestrator(databases.control, env);
  let report: SlotMoveStatus[];
  try {
    const operator = new SlotMoveOperator(new MysqlSlotMoveStore(databases.control), orchestrator);
    report = moveId ? [await operator.status(moveId)] : await operator.list({ status: 'open' });
  } finally {
    await close();
  }
  if (json) {
    print(JSON.stringify({ moves: report }));
    return 0;
  }
  if (report.length === 0) print('no open slot move');
  for (const m of report) {
    print(`move ${m.move_id} (${m.status}, planned ${m.created}): ${m.groups_done}/${m.groups.length} groups done, ${m.rows_copied} rows copied, ${m.rows_per_s ?? '-'} rows/s, ETA ${duration(m.eta_s)}`);
    for (const g of m.groups) {
      const stages = Object.entries(g.stages).map(([stage, n]) => (n === g.slots ? stage : `${stage}×${n}`)).join(',');
      print(
        `  group ${String(g.group).padStart(4)}  ${g.from_shard} → ${g.to_shard}  ${String(g.slots).padStart(3)} slots  ${stages.padEnd(12)}  copied ${g.rows_copied}${g.rows_expected === null ? '' : `/~${g.rows_expected}`}  behind ${g.rows_behind ?? '-'}  ${g.rows_per_s ?? '-'} rows/s  ETA ${duration(g.eta_s)}  saga ${g.saga}  updated ${g.updated}`,
      );
    }
  }
  return 0;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${seconds} s`;
  return seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

async function operate(databases: ShardDatabases, env: Record<string, string | undefined>, action: SlotMoveAction, moveId: string, print: Print): Promise<number> {
  const { orchestrator, close } = slotMoveOrchestrator(databases.control, env);
  try {
    const result = await new SlotMoveOperator(new MysqlSlotMoveStore(databases.control), orchestrator).operate(action, moveId);
    for (const g of result.groups) print(`group ${g.group}: ${'refused' in g ? g.refused.message : g.status}`);
    const refused = result.groups.filter((g) => 'refused' in g).length;
    print(`${action}: ${result.groups.length - refused} of ${result.groups.length} group(s)${refused > 0 ? `; ${refused} refused (see above)` : ''}`);
    return 0;
  } catch (error) {
    if (!isShardlineError(error) || error.code !== 'SLOT_MOVE.ACTION_REFUSED') throw error;
    for (const d of error.details) print(`${d.field}: ${d.message}`);
    print(`refused: ${error.message}`);
    return 3;
  } finally {
    await close();
  }
}

async function cleanup(databases: ShardDatabases, moveId: string, graceS: number, print: Print): Promise<number> {
  const control = databases.control;
  const moves = new MysqlSlotMoveStore(control);
  if (!(await moves.plan(moveId))) {
    print(`refused: no move ${moveId}`);
    return 3;
  }
  const version = await new MysqlSlotMapStore(control).version();
  const behind = await new MysqlSlotMapReaders(control).behind(version, READER_ALIVE_MS);
  if (behind.length > 0) {
    print(`refused: ${behind.length} running process(es) still route by a map older than version ${version} (their reads could go to the old copies): ${behind.slice(0, 10).map((r) => r.reader).join(', ')}`);
    return 3;
  }
  const copier = new MysqlSlotCopier(databases);
  const now = Date.now();
  let cleaned = 0;
  let waiting = 0;
  for (const [group, rows] of groupRows(await moves.slots(moveId))) {
    if (!rows.every((r) => r.stage === 'done')) continue;
    const finished = Math.max(...rows.map((r) => r.stageStarted.getTime()));
    if (now - finished < graceS * 1000) {
      waiting++;
      print(`group ${group}: finished ${Math.round((now - finished) / 1000)} s ago, within the ${graceS} s grace period; run cleanup again later`);
      continue;
    }
    let deleted = 0;
    const slots = rows.map((r) => r.slot);
    for (let cursor: DeleteCursor | null = null, done = false; !done; ) {
      const chunk = await copier.deleteSlotRows(rows[0].fromShard, slots, { cursor });
      deleted += chunk.deleted;
      ({ cursor, done } = chunk);
    }
    // The keys of the moved slots went with them (4.8); batch-part keys without a slot stay until retention.
    for (let n = 1; n > 0; ) deleted += n = await deleteProcessedCommandsOfSlots(databases.shard(rows[0].fromShard), slots);
    cleaned++;
    print(`group ${group}: ${deleted} row(s) of ${rows.length} slot(s) deleted from shard ${rows[0].fromShard}`);
  }
  print(`cleanup of ${moveId}: ${cleaned} group(s) cleaned${waiting > 0 ? `, ${waiting} within the grace period` : ''}`);
  return 0;
}

async function backfill(databases: ShardDatabases, v: { shard?: string; chunk?: string; 'pause-ms'?: string }, print: Print): Promise<number> {
  const shards = v.shard === undefined ? databases.shardIndexes() : [integer(v.shard, 0, 0, 4095, '--shard')];
  const chunkRows = integer(v.chunk, 2000, 1, 100_000, '--chunk');
  const pauseMs = integer(v['pause-ms'], 0, 0, 600_000, '--pause-ms');
  for (const shard of shards) {
    const db = databases.shard(shard);
    let filled = 0;
    let unresolved = 0;
    for (let cursor: SlotBackfillCursor | null = null, done = false; !done; ) {
      const chunk = await backfillSlotChunk(db, cursor, { chunkRows });
      filled += chunk.filled;
      unresolved += chunk.unresolved;
      ({ cursor, done } = chunk);
      if (pauseMs > 0 && chunk.filled > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    const left = await rowsWithoutSlot(db);
    print(`shard ${shard}: ${filled} row(s) given their slot; without a slot now: ${left.events} event(s), ${left.records} record(s)${unresolved > 0 ? ` (${unresolved} event(s) carry no data.business_id)` : ''}`);
  }
  return 0;
}

function usage(print: Print): number {
  print(SLOTS_USAGE);
  return 2;
}
