import { readFileSync } from 'node:fs';
const [file, name, depthArg] = process.argv.slice(2);
const depth = Number(depthArg ?? 6);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map<number, any>(p.nodes.map((n: any) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
p.samples.forEach((id: number, i: number) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
let busy = 0; for (const [id, us] of self) if (byId.get(id).callFrame.functionName !== '(idle)') busy += us;
const chains = new Map<string, number>();
let total = 0;
for (const [id, us] of self) {
  // inclusive: any ancestor matching name
  let cur: number | undefined = id; let hit: number | undefined;
  while (cur !== undefined) { if (byId.get(cur).callFrame.functionName === name) { hit = cur; break; } cur = parent.get(cur); }
  if (hit === undefined) continue;
  total += us;
  const frames: string[] = []; let c = parent.get(hit);
  while (c !== undefined && frames.length < depth) { const f = byId.get(c).callFrame; if (f.url && (process.env.ONLY ? f.url.includes(process.env.ONLY) : !f.url.startsWith("node:"))) frames.push(`${f.functionName || '?'}@${f.url.replace(/^.*\/(node_modules|dist)\//, '')}:${f.lineNumber + 1}`); c = parent.get(c); }
  const k = frames.join(' < ');
  chains.set(k, (chains.get(k) ?? 0) + us);
}
console.log(`${name}: inclusive ${(100 * total / busy).toFixed(1)} % of busy`);
for (const [k, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(100 * us / busy).toFixed(2).padStart(6)} %  ${k}`);
