/**
 * The write stalls of a finished run again, from its request log:
 *   scripts/with-node tsx bench/reshard/pauses.ts <run>.ops.jsonl <move start ms> <move end ms> [warm-up s]
 * (the times main.ts printed beside the log's path). Moving slots are those of a 4 → 8 move: slot % 8 ≠ slot % 4.
 */
import { readFileSync } from 'node:fs';
import { SLOT_COUNT } from '@shardline/sharding';
import { latencyIn, ms, pauseLines, type Window } from './report';
import type { WriteOp } from './write-load';

const [file, from, to, warmup = '10'] = process.argv.slice(2);
if (!file || !from || !to) throw new Error('usage: pauses.ts <ops.jsonl> <move start ms> <move end ms> [warm-up s]');
const ops = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as WriteOp);
const end = Math.max(...ops.map((o) => o.startMs)) + 1;
const windows: Window[] = [
  { name: 'before', fromMs: Number(warmup) * 1000, toMs: Number(from) },
  { name: 'during', fromMs: Number(from), toMs: Number(to) },
  { name: 'after', fromMs: Number(to), toMs: end },
];
const moved = new Set(Array.from({ length: SLOT_COUNT }, (_, s) => s).filter((s) => s % 8 !== s % 4));
for (const w of windows) {
  const f = latencyIn(ops, w);
  console.log(`${w.name}: ${f.requests} requests, p50 ${ms(f.p50)} / p99 ${ms(f.p99)} / max ${ms(f.max)} ms`);
}
for (const line of pauseLines(ops, moved, windows, 1)) console.log(line);
