/**
 * The raw kafkajs producer's baseline in a process of its own. In the benchmark's process it ran
 * after the load generator and the raw consumer, and cost 43–51 µs per event in one session's runs
 * and 68–71 in another's (bench/pipeline/README.md, 2026-12-04 second session): the denominator of
 * the relay's ratio moved with that process's heap and JIT state as much as with the relay. A fresh
 * process holding only the messages and the producer is what the relay is compared with: one
 * process doing one job.
 *
 * Parent side: `rawProduceInFreshProcess` writes the messages to a file and runs this same file as
 * a child (the same node and TypeScript loader), which calls `rawProduce` with a meter over the
 * engines' pids it is given and prints the phase as one JSON line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { fixKafkajsIdleTimer } from '@shardline/kafka';
import { CpuMeter, type CpuWindow } from './cpu-meter';
import { rawProduce, type Pace, type RawPhase } from './raw-baselines';

interface Job {
  brokers: string[];
  topic: string;
  pace: Pace;
  /** Engine name → pids, read by the child's own meter around its phase. */
  engines: Record<string, number[]>;
  messagesFile: string;
}
const RESULT_PREFIX = 'FRESH_PRODUCER_RESULT ';

export type StoredMessage = { k: string | null; v: string; h: Array<[string, string]> };

export async function rawProduceInFreshProcess(brokers: string[], topic: string, messages: readonly Message[], pace: Pace, engines: Record<string, readonly number[]>): Promise<RawPhase> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fresh-producer-'));
  try {
    const messagesFile = join(dir, 'messages.ndjson');
    writeFileSync(messagesFile, messages.map((m) => JSON.stringify(stored(m))).join('\n'));
    const job: Job = { brokers, topic, pace, engines: Object.fromEntries(Object.entries(engines).map(([k, v]) => [k, [...v]])), messagesFile };
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, __filename], { env: { ...process.env, BENCH_FRESH_PRODUCER_JOB: JSON.stringify(job) }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`the fresh producer exited with ${code}`))));
    });
    const line = output.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    if (!line) throw new Error(`the fresh producer printed no result: ${output.slice(0, 500)}`);
    const phase = JSON.parse(line.slice(RESULT_PREFIX.length)) as Omit<RawPhase, 'window'> & { window: Omit<CpuWindow, 'cpuSeconds'> & { cpuSeconds: Array<[string, number]> } };
    return { ...phase, window: { ...phase.window, cpuSeconds: new Map(phase.window.cpuSeconds) } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A message as one JSON line (bytes as base64) and back: what the child reads is what the relay published. */
export function stored(m: Message): StoredMessage {
  const bytes = (v: unknown) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v))).toString('base64');
  const headers = Object.entries(m.headers ?? {}).flatMap(([name, value]) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, bytes(v)])));
  return { k: m.key === null || m.key === undefined ? null : bytes(m.key), v: bytes(m.value), h: headers };
}

export function revived(s: StoredMessage): Message {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of s.h) headers[name] = Buffer.from(value, 'base64'); // the relay sets each header once
  return { key: s.k === null ? null : Buffer.from(s.k, 'base64'), value: Buffer.from(s.v, 'base64'), headers };
}

async function child(job: Job): Promise<void> {
  const messages = readFileSync(job.messagesFile, 'utf8').split('\n').filter(Boolean).map((l) => revived(JSON.parse(l) as StoredMessage));
  fixKafkajsIdleTimer(); // as the relay's createKafka does
  const kafka = new Kafka({ clientId: 'bench-pipeline-fresh-producer', brokers: job.brokers, logLevel: logLevel.NOTHING });
  const phase = await rawProduce(kafka, new CpuMeter(() => job.engines), job.topic, messages, job.pace);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ ...phase, window: { ...phase.window, cpuSeconds: [...phase.window.cpuSeconds] } })}\n`);
}

if (process.env.BENCH_FRESH_PRODUCER_JOB && require.main === module) {
  child(JSON.parse(process.env.BENCH_FRESH_PRODUCER_JOB) as Job).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
