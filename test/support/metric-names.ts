import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';

const ROOT = resolve(__dirname, '../..');
export const ALERTS_FILE = `${ROOT}/ops/prometheus/alerts.yml`;
export const DASHBOARD_FILE = `${ROOT}/ops/grafana/shardline.json`;

/**
 * Metric names a PromQL expression reads: every identifier of Shardline's own and prom-client's
 * default families (shardline_*, process_*, nodejs_*). `up` and other Prometheus-made series are
 * not the apps' to export and are left out; label names and functions never match these prefixes.
 */
export function metricNamesIn(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:shardline|process|nodejs)_[a-zA-Z0-9_:]*/g) ?? [])];
}

interface RuleGroups {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

export function alertRules(): Array<{ alert: string; expr: string }> {
  const doc = load(readFileSync(ALERTS_FILE, 'utf8')) as RuleGroups;
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ alert: r.alert ?? r.record ?? '?', expr: r.expr })));
}

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** Every panel of the dashboard (rows' nested panels included) with its PromQL expressions. */
export function dashboardPanels(): Array<{ title: string; type: string; exprs: string[] }> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: Panel[] };
  const flat = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return flat(dashboard.panels).map((p) => ({ title: p.title, type: p.type, exprs: (p.targets ?? []).map((t) => t.expr ?? '') }));
}

/** Where each metric name is used: alert names and dashboard panel titles. */
export function usedMetricNames(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const add = (expr: string, where: string) => {
    for (const name of metricNamesIn(expr)) used.set(name, [...(used.get(name) ?? []), where]);
  };
  for (const rule of alertRules()) add(rule.expr, `alert ${rule.alert}`);
  for (const panel of dashboardPanels()) for (const expr of panel.exprs) add(expr, `panel "${panel.title}"`);
  return used;
}

/**
 * The sample names a Prometheus text exposition can contain, from its `# TYPE` lines (a labelled
 * metric with no observation yet has no sample lines, but its TYPE line is there): a histogram
 * `x` has x_bucket, x_sum and x_count; a summary x, x_sum and x_count; a counter/gauge its name.
 */
export function exposedSampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match;
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}
