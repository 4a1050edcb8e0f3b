import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPartitioned, listRecordPartitions, partitionRecordsByMonth, planRecordsPartitioning } from '@shardline/records-mysql';
import { type ConnectionConfig, connectionOfShard, type ShardingConfig } from '@shardline/sharding';
import { MysqlShardRegistry, ShardDatabases } from '@shardline/sharding/mysql';

export const PARTITION_RECORDS_USAGE = `usage: ops-cli shards partition-records <shard> [--execute | --copy] [-- pt-online-schema-change options…]
  A shard whose records table was over SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS at db:migrate was
  left unpartitioned (shard migration 0006; README "Upgrading"). This converts it to monthly id
  partitions:
    (no flag)  prints the plan and the pt-online-schema-change command, changes nothing
    --execute  runs pt-online-schema-change (Debian/Ubuntu: apt-get install percona-toolkit): a chunked
               copy fed by triggers while reads and writes go on, one short lock to swap the tables
    --copy     ALTER TABLE … ALGORITHM=COPY in place: the shard's record writes wait for the whole
               copy (~13,000–19,000 rows/s on 2 cores): for small tables or a maintenance window
  Options after \`--\` go to pt-online-schema-change unchanged (they override the defaults below),
  e.g. -- --recursion-method=none --chunk-size=2000.`;

/** What the tool is given unless the operator says otherwise: gentle on a busy shard. */
const PT_OSC_DEFAULTS = ['--chunk-time=0.5', '--max-load=Threads_running=25', '--critical-load=Threads_running=100'];

export type ToolRunner = (command: string, args: string[], print: (line: string) => void) => Promise<number>;

/** `ops-cli shards partition-records …`: exit 0 done or nothing to do, 1 the tool failed, 2 bad command line. */
export async function partitionRecordsCommand(
  argv: string[],
  config: ShardingConfig,
  print: (line: string) => void,
  runTool: ToolRunner = spawnTool,
): Promise<number> {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const toolOptions = split < 0 ? [] : argv.slice(split + 1);
  const flags = own.filter((a) => a.startsWith('--'));
  const positionals = own.filter((a) => !a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--execute' && f !== '--copy');
  const shard = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(shard) || shard < 0 || unknown.length > 0 || (flags.includes('--execute') && flags.includes('--copy'))) {
    print(PARTITION_RECORDS_USAGE);
    return 2;
  }
  const databases = new ShardDatabases({ ...config, queryTimeoutMs: 0 });
  try {
    for (const entry of await new MysqlShardRegistry(databases.control).list()) {
      if (!databases.shardIndexes().includes(entry.shard)) databases.addShard(entry.shard, connectionOfShard(config, entry));
    }
    if (!databases.shardIndexes().includes(shard)) {
      print(`shard ${shard} is neither configured nor registered`);
      return 2;
    }
    const db = databases.shard(shard);
    const connection = databases.connectionOf(shard);
    const plan = await planRecordsPartitioning(db, new Date());
    if (!plan) {
      print(`shard ${shard} (${connection.database}): records is partitioned already, months [${(await listRecordPartitions(db)).join(', ')}]`);
      return 0;
    }
    print(`shard ${shard} (${connection.database}): records unpartitioned, ~${plan.estimatedRows} rows; months [${plan.months[0]}…${plan.months[plan.months.length - 1]}]`);
    if (flags.includes('--copy')) {
      const months = await partitionRecordsByMonth(db, new Date());
      print(`partitioned in place: months [${(months ?? []).join(', ')}]`);
      return 0;
    }
    const toolArgs = (dsn: string, mode: '--execute' | '--dry-run') => ['--alter', plan.alteration, ...PT_OSC_DEFAULTS, ...toolOptions, dsn, mode];
    if (!flags.includes('--execute')) {
      // Only printed: the password stays out of it, and no option file is written for it.
      const dsn = dsnOf(connection, connection.password === '' ? null : '<option file with [client] password=…>');
      print(`to convert online: pt-online-schema-change ${toolArgs(dsn, '--dry-run').map(shellQuoted).join(' ')}`);
      print('or run this command again with --execute (runs it), or --copy (in place, blocking the shard\'s record writes)');
      return 0;
    }
    const optionFile = connection.password === '' ? null : await writeOptionFile(connection.password);
    try {
      const code = await runTool('pt-online-schema-change', toolArgs(dsnOf(connection, optionFile), '--execute'), print);
      if (code !== 0) {
        print(`pt-online-schema-change exited with ${code}: records of shard ${shard} unchanged unless it says otherwise (it cleans up after itself; a left-over _records_new table or pt_osc_* triggers can be dropped)`);
        return 1;
      }
      if (!(await isPartitioned(db))) {
        print(`pt-online-schema-change succeeded but records of shard ${shard} is still unpartitioned`);
        return 1;
      }
      print(`shard ${shard}: records partitioned online, months [${(await listRecordPartitions(db)).join(', ')}]`);
      return 0;
    } finally {
      if (optionFile) await rm(join(optionFile, '..'), { recursive: true, force: true });
    }
  } finally {
    await databases.destroy();
  }
}

/** The DSN of Percona's tools; the password goes in an option file (not on a command line other users can read). */
function dsnOf(connection: ConnectionConfig, optionFile: string | null): string {
  return [`h=${connection.host}`, `P=${connection.port}`, `u=${connection.user}`, `D=${connection.database}`, 't=records', ...(optionFile ? [`F=${optionFile}`] : [])].join(',');
}

async function writeOptionFile(password: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shardline-ptosc-'));
  const file = join(dir, 'client.cnf');
  await writeFile(file, `[client]\npassword=${password.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/^(.*)$/, '"$1"')}\n`, { mode: 0o600 });
  return file;
}

function shellQuoted(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function spawnTool(command: string, args: string[], print: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach((line) => print(line));
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(`${command} not found: install Percona Toolkit (apt-get install percona-toolkit), or use --copy`) : error),
    );
    child.on('close', (code) => resolve(code ?? 1));
  });
}
