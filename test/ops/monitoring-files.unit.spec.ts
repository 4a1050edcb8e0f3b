import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import { alertRules, dashboardPanels, exposedSampleNames, metricNamesIn, usedMetricNames } from '../support/metric-names';

const ROOT = resolve(__dirname, '../..');

/**
 * The shipped monitoring files parse and hang together (promtool checks the rules' PromQL in
 * `npm test`; test/ops/metrics-catalogue.int.spec.ts checks every name against the apps' /metrics).
 */
describe('ops/ monitoring files', () => {
  it('finds metric names in PromQL, not functions, labels or values', () => {
    expect(metricNamesIn('histogram_quantile(0.99, sum by (app, le) (rate(shardline_http_request_duration_seconds_bucket{route!~"/health/.*"}[5m])))')).toEqual([
      'shardline_http_request_duration_seconds_bucket',
    ]);
    expect(metricNamesIn('up{job=~"shardline-.*"} == 0 or rate(process_cpu_seconds_total[1m]) > nodejs_eventloop_lag_p99_seconds')).toEqual(['process_cpu_seconds_total', 'nodejs_eventloop_lag_p99_seconds']);
  });

  it('derives the sample names of an exposition from its TYPE lines', () => {
    const names = exposedSampleNames('# HELP a_total x\n# TYPE a_total counter\n# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE g gauge\n');
    expect([...names].sort()).toEqual(['a_total', 'g', 'h_bucket', 'h_count', 'h_sum']);
  });

  it('ships the alerts the issue asks for, each reading at least one app metric', () => {
    const rules = alertRules();
    for (const alert of ['ShardlineShardDown', 'ShardlineHigh5xxRatio', 'ShardlineP99LatencyHigh', 'ShardlineOutboxBacklogOld', 'ShardlineProjectionLag', 'ShardlineDeadLettersGrowing', 'ShardlineSagasParked']) {
      const rule = rules.find((r) => r.alert === alert);
      expect(rule ? metricNamesIn(rule.expr).length : `${alert} missing`).toBeGreaterThan(0);
    }
  });

  it('has a dashboard whose every graph queries app metrics, covering each area', () => {
    const panels = dashboardPanels();
    const graphs = panels.filter((p) => p.type !== 'row');
    for (const graph of graphs) expect({ panel: graph.title, names: graph.exprs.flatMap(metricNamesIn).length > 0 }).toEqual({ panel: graph.title, names: true });
    const used = [...usedMetricNames().keys()];
    for (const family of ['shardline_http_', 'shardline_shard_pool_', 'shardline_group_commit_', 'shardline_record_cache_lookups', 'shardline_relay_outbox_backlog', 'shardline_projection_seconds_behind', 'shardline_projection_dead_letters', 'shardline_sagas_open']) {
      expect({ family, used: used.some((name) => name.startsWith(family)) }).toEqual({ family, used: true });
    }
  });

  it('gives docker compose a Prometheus and a Grafana provisioned with the rules and the dashboard (files that exist)', () => {
    const compose = load(readFileSync(`${ROOT}/docker-compose.yml`, 'utf8')) as { services: Record<string, { volumes?: string[] }> };
    const mounts = (service: string) => (compose.services[service]?.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':'));
    expect(mounts('prometheus').map(([, target]) => target)).toEqual(expect.arrayContaining(['/etc/prometheus/prometheus.yml', '/etc/prometheus/alerts.yml']));
    expect(mounts('grafana').map(([, target]) => target)).toEqual(
      expect.arrayContaining(['/etc/grafana/provisioning/datasources', '/etc/grafana/provisioning/dashboards', '/var/lib/grafana/dashboards/shardline.json']),
    );
    for (const [source] of [...mounts('prometheus'), ...mounts('grafana')]) expect({ source, exists: existsSync(resolve(ROOT, source)) }).toEqual({ source, exists: true });
    const prometheus = load(readFileSync(`${ROOT}/ops/prometheus/prometheus.yml`, 'utf8')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string }> };
    expect(prometheus.rule_files).toEqual(['alerts.yml']);
    expect(prometheus.scrape_configs.map((s) => s.job_name).sort()).toEqual(
      ['api', 'command-intake', 'projector', 'query-api', 'relay', 'saga-worker'].map((app) => `shardline-${app}`).sort(),
    );
    const datasource = load(readFileSync(`${ROOT}/ops/grafana/provisioning/datasources/prometheus.yml`, 'utf8')) as { datasources: Array<{ uid: string; url: string }> };
    expect(datasource.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
  });
});
