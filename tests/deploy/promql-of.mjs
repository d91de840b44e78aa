// SPDX-License-Identifier: Apache-2.0
// The PromQL of deploy/grafana/provd.json and deploy/prometheus/alerts.yml, for the checks:
//   node tests/deploy/promql-of.mjs rules   the dashboard's queries as a Prometheus rule file
//                                           (recording rules), for promtool check rules
// and, imported, exprs() and metricNames() (tests/blackbox/operations.test.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(top, 'tests/blackbox/package.json'));
const YAML = require('yaml');

export const dashboardFile = path.join(top, 'deploy/grafana/provd.json');
export const alertsFile = path.join(top, 'deploy/prometheus/alerts.yml');

// Grafana's variables replaced by what they expand to.
const expand = (e) => e.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.*');

// [{where, expr}] of every dashboard query and alert rule.
// dashboard or alerts null: leave that file out.
export function exprs({ dashboard = dashboardFile, alerts = alertsFile } = {}) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels || []) {
      for (const t of p.targets || []) out.push({ where: `dashboard panel "${p.title}" ${t.refId}`, expr: expand(t.expr) });
      walk(p.panels);
    }
  };
  if (dashboard) walk(JSON.parse(fs.readFileSync(dashboard, 'utf8')).panels);
  for (const g of alerts ? YAML.parse(fs.readFileSync(alerts, 'utf8')).groups : [])
    for (const r of g.rules) out.push({ where: `alert ${r.alert || r.record}`, expr: r.expr });
  return out;
}

// The metric names an expression uses: identifiers not followed by '(' (functions) and not
// label names, keywords or label values.
export function metricNames(expr) {
  const stripped = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '[]');
  const keywords = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'offset', 'bool', 'inf', 'nan']);
  const names = new Set();
  for (const m of stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g))
    if (!keywords.has(m[1].toLowerCase()) && !/^\d/.test(m[1])) names.add(m[1]);
  return [...names];
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'rules') {
  const rules = exprs({ alerts: null })
    .map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr }));
  process.stdout.write(YAML.stringify({ groups: [{ name: 'provd-dashboard', rules }] }));
}
