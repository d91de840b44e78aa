#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deploy/prometheus/alerts.yml and deploy/grafana/provd.json, offline: promtool (Debian's
# prometheus package, deploy/install-deps.sh --test) checks the rules, runs their unit tests
# (tests/deploy/alerts.test.yml) and checks the dashboard's every query as PromQL; the
# dashboard's structure is checked for import (ids, grid, data source variable); broken copies
# must fail. The metric names of both are checked against a live provd's /metrics by
# tests/blackbox/operations.test.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v promtool >/dev/null; then
    echo "operations: promtool is not installed (deploy/install-deps.sh --test installs prometheus)" >&2
    if [ -n "${CI:-}" ]; then echo "operations: 0 passed, 1 failed"; exit 1; fi
    echo "operations: skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*" >&2; failed=$((failed + 1)); }
run() { # WHAT COMMAND…: the command must succeed
    local what=$1; shift
    if out=$("$@" 2>&1); then ok "$what"; else bad "$what: $out"; fi
}
refuse() { # WHAT COMMAND…: the command must fail
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then bad "$what was accepted"; else ok "$what is refused"; fi
}

run "promtool check rules deploy/prometheus/alerts.yml" promtool check rules deploy/prometheus/alerts.yml
run "promtool test rules (the alerts fire, and only when they should)" promtool test rules tests/deploy/alerts.test.yml
node tests/deploy/promql-of.mjs rules >"$tmp/dashboard-rules.yml"
run "the dashboard's queries are valid PromQL" promtool check rules "$tmp/dashboard-rules.yml"
run "the dashboard is importable" node --input-type=module -e '
import fs from "node:fs";
const d = JSON.parse(fs.readFileSync("deploy/grafana/provd.json", "utf8"));
const fail = (m) => { console.error(m); process.exit(1); };
if (!d.title || !d.uid || !Array.isArray(d.panels) || typeof d.schemaVersion !== "number") fail("title, uid, panels, schemaVersion");
if (d.id !== undefined && d.id !== null) fail("an exported id would clash on import");
const vars = (d.templating?.list || []).map((v) => v.name);
if (!vars.includes("datasource") || d.templating.list.find((v) => v.name === "datasource").type !== "datasource") fail("no datasource variable");
const ids = new Set();
let queries = 0;
for (const p of d.panels) {
  if (ids.has(p.id)) fail(`panel id ${p.id} twice`);
  ids.add(p.id);
  const g = p.gridPos;
  if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) fail(`panel ${p.title}: gridPos`);
  if (p.type === "row") continue;
  if (p.datasource?.uid !== "${datasource}") fail(`panel ${p.title}: not on the datasource variable`);
  for (const t of p.targets || []) { queries++; if (!t.refId || !t.expr) fail(`panel ${p.title}: target without refId or expr`); }
}
if (queries < 20) fail(`only ${queries} queries`);
'

# The checks can fail.
sed 's/expr: max by (job, instance) (provd_database_up) == 0/expr: max by (job, instance) (provd_database_up == 0/' \
    deploy/prometheus/alerts.yml >"$tmp/bad-syntax.yml"
refuse "an alert rule with a PromQL syntax error" promtool check rules "$tmp/bad-syntax.yml"
sed 's/^      - alert: ProvdDatabaseDown/      - alrt: ProvdDatabaseDown/' deploy/prometheus/alerts.yml >"$tmp/bad-field.yml"
refuse "an alert rule with an unknown field" promtool check rules "$tmp/bad-field.yml"
sed 's|- ../../deploy/prometheus/alerts.yml|- '"$tmp"'/no-backlog.yml|' tests/deploy/alerts.test.yml >"$tmp/alerts.test.yml"
sed 's/max by (job) (provd_log_queue_length) > 100$/max by (job) (provd_log_queue_length) > 100000/' \
    deploy/prometheus/alerts.yml >"$tmp/no-backlog.yml"
refuse "a backlog alert that never fires (promtool test rules)" promtool test rules "$tmp/alerts.test.yml"

echo "operations: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
