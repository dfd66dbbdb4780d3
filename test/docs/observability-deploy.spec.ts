import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { hubMetrics } from '@pdp/observability';

const ROOT = path.resolve(__dirname, '..', '..');

/** The metric names an expression uses (a histogram's series by its base name). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bpdp_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

describe('the Grafana dashboard and the Prometheus alerts (deploy/)', () => {
  const exported = new Set<string>();
  beforeAll(async () => {
    for (const m of await hubMetrics.registry.getMetricsAsJSON()) exported.add(m.name);
  });

  it('use only metrics the services export', () => {
    const rules = parse(fs.readFileSync(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy', 'grafana', 'pdp-hub.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const used = [...rules.groups.flatMap((g) => g.rules.map((r) => [r.alert, r.expr])), ...dashboard.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr]))];
    expect(used.length).toBeGreaterThan(10);
    const unknown = used.flatMap(([where, expr]) =>
      metricNames(expr)
        .filter((n) => !exported.has(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('alert on lag, dead letters, unread inboxes and FHIR failures', () => {
    const rules = parse(fs.readFileSync(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const names = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => metricNames(r.expr))));
    for (const n of ['pdp_consumer_lag', 'pdp_dead_letters_total', 'pdp_inbox_oldest_unacknowledged_seconds', 'pdp_fhir_delivery_failures_total']) expect(names).toContain(n);
  });
});
