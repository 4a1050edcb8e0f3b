/**
 * What the projector asked of each read model: sink applies (one Elasticsearch bulk, one ClickHouse
 * INSERT per table each) and events per apply, from its `shardline_projection_sink_apply_events`
 * histogram. Sampled before and after a phase; the difference is the phase's.
 */
export type ApplyShape = Map<string, { applies: number; events: number }>;

export async function applyShape(metricsUrl: string): Promise<ApplyShape> {
  const shape: ApplyShape = new Map();
  const text = await (await fetch(metricsUrl)).text();
  for (const line of text.split('\n')) {
    const m = /^shardline_projection_sink_apply_events_(sum|count)\{[^}]*\bprojection="([^"]+)"[^}]*\} (\S+)$/.exec(line);
    if (!m) continue;
    const entry = shape.get(m[2]) ?? { applies: 0, events: 0 };
    if (m[1] === 'count') entry.applies = Number(m[3]);
    else entry.events = Number(m[3]);
    shape.set(m[2], entry);
  }
  return shape;
}

/** One line per projection: applies per second and mean events per apply between two samples. */
export function applyShapeLines(before: ApplyShape, after: ApplyShape, seconds: number): string[] {
  return [...after].map(([projection, a]) => {
    const b = before.get(projection) ?? { applies: 0, events: 0 };
    const applies = a.applies - b.applies;
    const events = a.events - b.events;
    return `  sink applies of ${projection.padEnd(13)}: ${applies} (${(applies / seconds).toFixed(1)}/s), ${applies ? Math.round(events / applies) : 0} events per apply`;
  });
}
