/**
 * Where a V8 CPU profile's time went, in two tables: self time by package (node_modules/<name>,
 * the project's own libs/<name>, node: internals, GC, idle) and the heaviest functions by self
 * time, with their files. For the api's profile of a bench:ingest phase:
 *   BENCH_PHASES=single BENCH_API_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench:ingest
 *   scripts/with-node tsx bench/ingest/profile-summary.ts /tmp/prof/CPU.*.cpuprofile [top]
 * Percentages are of the busy time (idle excluded), so two profiles of different lengths compare.
 * Two drill-downs of one function NAME (inclusive: every sample with it on the stack):
 *   --callers NAME [frames]  who calls it: the nearest `frames` callers outside node internals
 *                            (ONLY=apps/api keeps the project's frames: e.g. which query a socket write was);
 *   --under NAME             where its time goes: self time of the functions under it.
 * FROM_S / TO_S (seconds since the profile started) keep only that window's samples: e.g. the
 * steady state of a benchmark phase without its warm-up.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const [file, topArg, name, framesArg] = process.argv.slice(2);
  if (topArg === '--callers' || topArg === '--under') return drillDown(file, topArg, name, Number(framesArg ?? 6));
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 40);
  const profile = loadProfile(file);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const pkg = packageOf(frame.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  console.log(`# ${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
  console.log('## self time by package');
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(us, busy)}  ${pkg}`);
  console.log(`## top ${top} functions by self time`);
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us, busy)}  ${fn}`);
}

/** The profile, its samples cut to the FROM_S..TO_S window (seconds since it started) when given. */
function loadProfile(file: string): Profile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const from = Number(process.env.FROM_S ?? 0) * 1e6;
  const to = Number(process.env.TO_S ?? Infinity) * 1e6;
  if (from === 0 && to === Infinity) return profile;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) return;
    samples.push(id);
    timeDeltas.push(profile.timeDeltas[i] ?? 0);
  });
  console.log(`# window ${from / 1e6}–${to / 1e6} s of ${(at / 1e6).toFixed(1)} s`);
  return { ...profile, samples, timeDeltas };
}

/** Samples with `name` on their stack, grouped by its callers (--callers) or by the function they were in (--under). */
function drillDown(file: string, mode: '--callers' | '--under', name: string, frames: number): void {
  const profile = loadProfile(file);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const only = process.env.ONLY;
  const label = (f: ProfileNode['callFrame']) => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
  const groups = new Map<string, number>();
  let busy = 0;
  let inclusive = 0;
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    busy += us;
    let hit: number | undefined = id;
    while (hit !== undefined && byId.get(hit)!.callFrame.functionName !== name) hit = parent.get(hit);
    if (hit === undefined) continue;
    inclusive += us;
    let key: string;
    if (mode === '--under') key = label(byId.get(id)!.callFrame);
    else {
      const chain: string[] = [];
      for (let c = parent.get(hit); c !== undefined && chain.length < frames; c = parent.get(c)) {
        const f = byId.get(c)!.callFrame;
        if (f.url && (only ? f.url.includes(only) : !f.url.startsWith('node:'))) chain.push(label(f));
      }
      key = chain.join(' < ');
    }
    groups.set(key, (groups.get(key) ?? 0) + us);
  }
  console.log(`# ${name}: ${pct(inclusive, busy)} of busy time, inclusive`);
  for (const [key, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${pct(us, busy)}  ${key}`);
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const lib = /\/(libs|apps)\/([^/]+)\//.exec(url);
  return lib ? `${lib[1]}/${lib[2]}` : shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist|libs|apps)\//, '$1/');
}

const pct = (us: number, total: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;

main();
