// SPDX-License-Identifier: Apache-2.0
// The Grafana dashboard (deploy/grafana/provd.json) and the Prometheus alert rules
// (deploy/prometheus/alerts.yml) use only metrics a running provd exports: every metric name in
// their queries is checked against a live /metrics of provd run (histograms as _bucket, _sum and
// _count; `up` is Prometheus' own). promtool checks their syntax (tests/deploy/operations.test.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProvd, createLogKey, http } from './lib/harness.mjs';
import { exprs, metricNames } from '../deploy/promql-of.mjs';

let srv;
before(async () => {
  srv = await startProvd({ command: 'run', logKey: createLogKey('operations.provd.test/log') });
});
after(async () => {
  await srv.stop();
});

// The series names /metrics declares (# TYPE), with a histogram's three.
async function exported() {
  const res = await http(srv.base, 'GET', '/metrics');
  assert.equal(res.status, 200);
  const names = new Set();
  for (const m of res.text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
    else names.add(m[1]);
  }
  return names;
}

test('every metric of the dashboard and the alert rules is exported by provd', async () => {
  const names = await exported();
  assert.ok(names.size >= 15, [...names].join(' '));
  const all = exprs();
  assert.ok(all.filter((e) => e.where.startsWith('dashboard')).length >= 20);
  assert.ok(all.filter((e) => e.where.startsWith('alert')).length >= 8);
  const used = new Set();
  for (const { where, expr } of all) {
    const ms = metricNames(expr);
    assert.ok(ms.length > 0, `${where}: no metric in ${expr}`);
    for (const m of ms) {
      used.add(m);
      if (m !== 'up') assert.ok(names.has(m), `${where} uses ${m}, which provd does not export`);
    }
  }
  // and the dashboard covers the metrics an operator needs
  for (const m of ['provd_http_requests_total', 'provd_http_request_duration_seconds_bucket', 'provd_log_tree_size',
    'provd_log_queue_length', 'provd_log_checkpoint_age_seconds', 'provd_anchors', 'provd_anchor_confirmed_age_seconds',
    'provd_database_up', 'provd_http_rate_limited_total', 'provd_event_subscribers'])
    assert.ok(used.has(m), `${m} is in no panel or rule`);
});

test('the name check can fail: a misspelt metric is not exported', async () => {
  const names = await exported();
  assert.deepEqual(metricNames('sum by (route) (rate(provd_http_request_total{job=~".*"}[5m]))'), ['provd_http_request_total']);
  assert.equal(names.has('provd_http_request_total'), false);
  assert.deepEqual(metricNames('max by (job) (provd_anchors{status=~"pending|mined"}) > 0 and on (job) up == 0').sort(),
    ['provd_anchors', 'up']);
});
