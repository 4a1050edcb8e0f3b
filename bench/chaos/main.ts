/**
 * The soak (`npm run bench:chaos -- --duration 10m --seed 42 --rate 50`): the whole system — the six
 * apps `npm start` runs, built, as child processes, on a private stack of engines (.stack-soak, own
 * ports, one mariadbd per shard) — under a steady mixed write load, while a seeded, printed,
 * repeatable fault schedule kill -9's and restarts the apps and stops, kills or freezes one shard
 * server, Kafka, Elasticsearch, ClickHouse and Redis. Then an independent auditor (./audit) checks
 * the load generator's log of acknowledged answers against the engines. Exit code 1 on any
 * violation. See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs, promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { APP_NAMES, describeSchedule, FAULT_KINDS, planFaults, type AppName, type FaultKind } from './fault-schedule';
import { SoakApp } from './apps';
import { audit, type RunConfig } from './audit/audit';
import { FaultInjector } from './faults';
import { KafkaCommands } from './kafka-commands';
import { Load } from './load';
import { OpLog } from './op-log';
import { EngineFaults, ROOT, STACK, shardPort, stackScript } from './private-stack';

const run$ = promisify(execFile);

function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text} (e.g. 90s, 10m)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] ?? 's']!;
}

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.SOAK_DURATION ?? '10m' },
    seed: { type: 'string', default: process.env.SOAK_SEED },
    rate: { type: 'string', default: process.env.SOAK_RATE ?? '25' },
    faults: { type: 'string', default: process.env.SOAK_FAULTS ?? 'all' },
    'converge-timeout': { type: 'string', default: '300s' },
    'fault-grace': { type: 'string', default: '20s' },
    'retry-budget': { type: 'string', default: '120s' },
    tolerate: { type: 'string', default: process.env.SOAK_TOLERATE ?? '' },
  },
});
const durationS = seconds(flags.duration!);
const seed = flags.seed !== undefined ? Number(flags.seed) : Math.floor(Math.random() * 1_000_000);
const rate = Number(flags.rate);
const kinds: FaultKind[] =
  flags.faults === 'all' ? [...FAULT_KINDS] : flags.faults === 'none' ? [] : (flags.faults!.split(',').map((k) => k.trim()) as FaultKind[]);
for (const k of kinds) if (!FAULT_KINDS.includes(k)) throw new Error(`unknown fault kind ${k} (known: ${FAULT_KINDS.join(', ')})`);

const run = `s${seed}x${Date.now().toString(36)}`;
const runDir = `${STACK.dir}/runs/${run}`;

function appEnvironment(): Record<string, string> {
  return {
    SHARDLINE_SHARDS: Array.from({ length: STACK.shardCount }, (_, i) => `mysql://root@127.0.0.1:${shardPort(i)}/soak_${run}_${i}`).join(','),
    SHARDLINE_CONTROL_URL: `mysql://root@127.0.0.1:${STACK.controlPort}/soak_${run}_control`,
    SHARDLINE_KAFKA_BROKERS: `127.0.0.1:${STACK.kafka}`,
    SHARDLINE_EVENTS_TOPIC: `soak.${run}.events`,
    SHARDLINE_EVENTS_DLQ_TOPIC: `soak.${run}.events.dlq`,
    SHARDLINE_COMMANDS_TOPIC: `soak.${run}.commands`,
    SHARDLINE_COMMAND_RESULTS_TOPIC: `soak.${run}.command-results`,
    SHARDLINE_COMMAND_INTAKE_GROUP_ID: `soak-${run}-intake`,
    SHARDLINE_PROJECTOR_GROUP_PREFIX: `soak-${run}-projection-`,
    SHARDLINE_ES_URL: `http://127.0.0.1:${STACK.es}`,
    SHARDLINE_ES_INDEX: `soak-${run}`,
    SHARDLINE_CLICKHOUSE_URL: `http://127.0.0.1:${STACK.clickhouse}`,
    SHARDLINE_CLICKHOUSE_DATABASE: `soak_${run}`,
    SHARDLINE_REDIS_URL: `redis://127.0.0.1:${STACK.redis}`,
    SHARDLINE_CACHE_KEY_PREFIX: `soak:${run}:record:`,
    SHARDLINE_SAGA_QUEUE_PREFIX: `soak-${run}`,
    // The auditor folds the events itself, so the event store keeps content in clear; the relay
    // still seals what it publishes (SHARDLINE_RELAY_SEAL defaults to true), as in production.
    SHARDLINE_SEAL_CONTENT: 'false',
    // The soak's subject is integrity under faults, not who may write: its client sends no API keys
    // (test/auth covers them). Rate limits stay on, falling back to local buckets when Redis fails.
    SHARDLINE_AUTH: 'off',
    SHARDLINE_LOG_LEVEL: 'warn',
    SHARDLINE_ACCESS_LOG: 'errors',
  };
}

async function main(): Promise<void> {
  mkdirSync(`${runDir}/logs`, { recursive: true });
  console.log(`# soak ${run}: seed ${seed}, ${durationS}s, ${rate} requests/s offered, faults: ${kinds.length ? kinds.join(',') : 'none'}`);
  console.log(`# machine: ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}; run dir ${runDir}`);
  console.log(`# replay: npm run bench:chaos -- --seed ${seed} --duration ${durationS}s --rate ${rate}${flags.faults !== 'all' ? ` --faults ${flags.faults}` : ''}${flags.tolerate ? ` --tolerate ${flags.tolerate}` : ''}`);
  const plan = planFaults({ seed, durationS, kinds, shardCount: STACK.shardCount });
  console.log(`# fault schedule (${plan.length} faults):\n${describeSchedule(plan) || '  (none)'}`);

  console.log('[soak] private stack up (scripts/stack/up.sh with STACK_DIR and ports of the soak)');
  const up = await stackScript('up.sh');
  console.log(up.split('\n').filter((l) => /^(mariadb|redis|clickhouse|kafka|elasticsearch|total)/.test(l)).join('\n'));

  const env = appEnvironment();
  await run$(process.execPath, [`${ROOT}/dist/apps/ops-cli/main.js`, 'migrate'], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 << 20 }).catch((e) => {
    throw new Error(`migrate failed (run npm run build first?): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  });
  const config: RunConfig = {
    run,
    shards: Array.from({ length: STACK.shardCount }, (_, i) => ({ host: '127.0.0.1', port: shardPort(i), user: 'root', database: `soak_${run}_${i}` })),
    kafkaBrokers: env.SHARDLINE_KAFKA_BROKERS,
    eventsTopic: env.SHARDLINE_EVENTS_TOPIC,
    esUrl: env.SHARDLINE_ES_URL,
    esAlias: env.SHARDLINE_ES_INDEX,
    clickhouseUrl: env.SHARDLINE_CLICKHOUSE_URL,
    clickhouseDatabase: env.SHARDLINE_CLICKHOUSE_DATABASE,
    opsPath: `${runDir}/ops.jsonl`,
    faultsPath: `${runDir}/faults.jsonl`,
  };
  writeFileSync(`${runDir}/run.json`, JSON.stringify(config, null, 2));
  writeFileSync(config.faultsPath, '');
  writeFileSync(`${runDir}/schedule.txt`, `seed ${seed}, ${durationS}s\n${describeSchedule(plan)}\n`);

  const engines = new EngineFaults();
  const apps = new Map<AppName, SoakApp>();
  let injector: FaultInjector | undefined;
  APP_NAMES.forEach((name, i) => apps.set(name, new SoakApp(name, env, 101 + i, `${runDir}/logs`, (app, code, signal) => void injector?.unplannedExit(app, code, signal))));
  injector = new FaultInjector(plan, apps, engines, config.faultsPath);
  const kafka = new KafkaCommands(env.SHARDLINE_KAFKA_BROKERS, { commands: env.SHARDLINE_COMMANDS_TOPIC, results: env.SHARDLINE_COMMAND_RESULTS_TOPIC }, `soak-${run}-client`);
  const opLog = new OpLog(config.opsPath);
  const load = new Load({
    apiUrl: apps.get('api')!.url,
    kafka,
    log: opLog,
    seed,
    rate,
    durationS,
    policy: { budgetMs: seconds(flags['retry-budget']!) * 1000, attemptTimeoutMs: 20_000, kafkaAttemptTimeoutMs: 60_000 },
    maxInFlight: Math.max(300, rate * 30),
  });
  const loads: number[] = [];
  let code = 1;
  try {
    for (const app of apps.values()) {
      app.start();
      console.log(`[soak] ${app.name} ready after ${await app.waitUntil('ready', 180_000)} ms`);
    }
    await kafka.start();
    const started = Date.now();
    console.log(`[soak] load started ${new Date(started).toISOString()}`);
    let loadDone = false;
    const faultsDone = injector.run(started, () => loadDone);
    await load.run((elapsed) => {
      loads.push(loadavg()[0]);
      const s = load.stats;
      console.log(`[soak] ${elapsed.toFixed(0)}s: ${s.ops} ops (${s.outcomes.ack} ack, ${s.outcomes.rejected} rejected, ${s.outcomes.unknown} unknown), ${s.writesAcked} writes acked, ${load.pending} in flight, ${s.skipped} skipped; load avg ${loadavg()[0].toFixed(2)}`);
    });
    loadDone = true;
    await faultsDone;
    const loadEnded = Date.now();
    console.log(`[soak] load ended after ${((loadEnded - started) / 1000).toFixed(0)}s (settling the last retries included)`);
    await opLog.close();
    const lastFaultAt = Math.max(injector.lastRecoveredAt ?? started, started);
    const tolerate = flags.tolerate!.split(',').map((c) => c.trim()).filter(Boolean);
    const report = await audit(config, { convergeTimeoutS: seconds(flags['converge-timeout']!), faultGraceS: seconds(flags['fault-grace']!), lastFaultAt, tolerate });

    const byKind = new Map<string, number>();
    for (const w of injector.windows) byKind.set(w.unplanned ? `unplanned ${w.kind} exit` : `${w.kind} ${w.mode}`, (byKind.get(w.unplanned ? `unplanned ${w.kind} exit` : `${w.kind} ${w.mode}`) ?? 0) + 1);
    const s = load.stats;
    const avgLoad = loads.length ? loads.reduce((a, b) => a + b, 0) / loads.length : loadavg()[0];
    const summary = [
      `==== soak ${run} (seed ${seed}, ${durationS}s at ${rate} requests/s)`,
      `writes acknowledged: ${report.writesAcknowledged} (${(report.writesAcknowledged / durationS).toFixed(0)}/s) in ${s.ops} operations: ${Object.entries(s.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`,
      `outcomes: ack ${s.outcomes.ack}, rejected ${s.outcomes.rejected} (${Object.entries(s.rejectedCodes).map(([k, n]) => `${k.trim()} x${n}`).join(', ') || '-'}), no final answer ${s.outcomes.unknown}; retried ${report.retriedOps}; skipped ${s.skipped}`,
      `faults injected: ${injector.windows.filter((w) => !w.unplanned).length} of ${plan.length} planned${injector.skipped.length ? ` (${injector.skipped.map((f) => `#${f.n}`).join(', ')} not started: the load had ended, recoveries took longer than planned)` : ''} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})${injector.windows.some((w) => w.error) ? `; recovery errors: ${injector.windows.filter((w) => w.error).map((w) => `#${w.n} ${w.error}`).join(' | ')}` : ''}`,
      `lost ${report.lost}, duplicated ${report.duplicated}, mismatched ${report.mismatched}, 5xx outside a fault ${report.unexplained5xx}${tolerate.length ? ` (+ ${report.tolerated5xx} tolerated: ${tolerate.join(', ')})` : ''}`,
      `convergence: ${report.converged ? `${report.convergenceS.toFixed(1)}s after the last fault recovered, ${((report.convergedAt! - loadEnded) / 1000).toFixed(1)}s after the last request settled` : `NOT converged (${report.convergenceS.toFixed(0)}s)`}`,
      `machine: ${availableParallelism()} cores, 1-min load average during the load: mean ${avgLoad.toFixed(2)}, max ${Math.max(...loads, 0).toFixed(2)}`,
      `verdict: ${report.violations.length === 0 ? 'PASS' : `FAIL (${report.violations.length} violations)`}`,
    ];
    console.log(summary.join('\n'));
    writeFileSync(`${runDir}/summary.txt`, `${summary.join('\n')}\n\n${report.lines.join('\n')}\n`);
    writeFileSync(`${runDir}/violations.txt`, report.violations.map((v) => `[${v.check}] ${v.detail}\n`).join(''));
    code = report.violations.length === 0 ? 0 : 1;
  } finally {
    engines.thawAll();
    await kafka.stop();
    for (const app of [...apps.values()].reverse()) await app.stop().catch(() => undefined);
    await dropControlDatabase().catch((e) => console.log(`[soak] could not drop soak_${run}_control on the shared MariaDB: ${e.message}`));
  }
  process.exit(code);
}

/**
 * The run's control database lives on the shared MariaDB (3306): dropped once the apps are stopped
 * (the auditor never reads it). Everything else of the run stays on the private stack for inspection.
 */
async function dropControlDatabase(): Promise<void> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: STACK.controlPort, user: 'root' });
  try {
    await c.query(`DROP DATABASE IF EXISTS \`soak_${run}_control\``);
  } finally {
    await c.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
