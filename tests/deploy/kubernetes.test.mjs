// SPDX-License-Identifier: Apache-2.0
// deploy/kubernetes/ offline: the production overlay built (by this repository's small
// kustomize-compatible builder, and by kustomize itself when kubectl or kustomize is installed,
// which must agree), every object valid against the Kubernetes schemas (strict: unknown fields
// are errors) and the CloudNativePG objects' required fields, and provd's deployment rules;
// then broken copies, each of which the checks must refuse.
//   node --test tests/deploy/kubernetes.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, check, parseAll } from './kubernetes-check.mjs';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const k8s = path.join(top, 'deploy/kubernetes');
const overlay = path.join(k8s, 'overlays/production');
const byId = (objs) => new Map(objs.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));

// kustomize (or kubectl's) of v4 or later (older ones lack labels and patches); null: none.
function kustomize(dir) {
  const tools = [['kustomize', ['build', dir], ['version']], ['kubectl', ['kustomize', dir], ['version', '--client']]];
  for (const [bin, args, versionArgs] of tools) {
    const v = spawnSync(bin, versionArgs, { encoding: 'utf8' });
    if (v.error || !/(Kustomize Version: |kustomize\/|^)v([4-9]|\d\d)\./m.test(v.stdout)) continue;
    const r = spawnSync(bin, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `${bin} ${args.join(' ')}: ${r.stderr}`);
    return { bin, objs: parseAll(r.stdout) };
  }
  return null;
}

test('the production overlay builds and passes every check', async () => {
  const objs = build(overlay);
  assert.deepEqual(await check(objs), []);
  const kinds = objs.map((o) => o.kind).sort();
  assert.deepEqual(kinds, ['Cluster', 'ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler',
    'Ingress', 'PodDisruptionBudget', 'PodDisruptionBudget', 'ScheduledBackup', 'Service']);
  assert.ok(objs.every((o) => o.metadata.namespace === 'provd'));
  const serve = objs.find((o) => o.metadata.name === 'provd-serve' && o.kind === 'Deployment');
  assert.equal(serve.spec.template.spec.containers[0].image, 'registry.example.org/provd:0.1.0');
  assert.equal(objs.find((o) => o.kind === 'ConfigMap').data.PROVD_THREADS, '8', 'the base config stays');
  assert.equal(objs.find((o) => o.kind === 'Ingress').spec.rules[0].host, 'provd.example.org');
});

test('kustomize, when installed, builds the same objects', async (t) => {
  const k = kustomize(overlay);
  if (!k) return t.skip('no kustomize (or kubectl) v4 or later is installed');
  const ours = byId(build(overlay));
  const theirs = byId(k.objs);
  assert.deepEqual([...theirs.keys()].sort(), [...ours.keys()].sort());
  for (const [key, o] of theirs) assert.deepEqual(o, ours.get(key), `${key} differs from ${k.bin}'s`);
  assert.deepEqual(await check(k.objs), []);
});

test('the base alone and the example Secrets are valid too', async () => {
  assert.deepEqual(await check(build(path.join(k8s, 'base'))), []);
  const secrets = parseAll(fs.readFileSync(path.join(k8s, 'secrets.example.yaml'), 'utf8'));
  assert.deepEqual(await check(secrets, { provd: false }), []);
  const names = build(overlay).flatMap((o) => (o.spec?.template?.spec?.volumes || []).filter((v) => v.secret).map((v) => v.secret.secretName));
  for (const n of names) assert.ok(secrets.some((s) => s.metadata.name === n), `secrets.example.yaml lacks ${n}`);
});

// Each break is applied to a fresh build; its check must report a problem matching re.
const dep = (objs, name) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
const main = (objs, name) => dep(objs, name).spec.template.spec.containers[0];
const breaks = [
  ['a wrong type', (o) => { dep(o, 'provd-serve').spec.replicas = 'two'; }, /replicas must be integer/],
  ['a misspelt field', (o) => { const c = main(o, 'provd-serve'); c.readinesProbe = c.readinessProbe; delete c.readinessProbe; }, /readinesProbe: unknown field/],
  ['a missing required field', (o) => { delete main(o, 'provd-worker').name; }, /must have required property 'name'/],
  ['a bad enum', (o) => { o.find((x) => x.kind === 'Ingress').spec.rules[0].http.paths[0].pathType = 'Everything'; }, /Ingress\/provd:.*pathType/],
  ['an unknown kind', (o) => { o.push({ apiVersion: 'apps/v1', kind: 'Deploymnt', metadata: { name: 'x' } }); }, /no schema/],
  ['a Cluster without replicas', (o) => { o.find((x) => x.kind === 'Cluster').spec.instances = 1; }, /instances must be/],
  ['a Cluster field misspelt', (o) => { const s = o.find((x) => x.kind === 'Cluster').spec; s.storag = s.storage; delete s.storage; }, /spec.storag: unknown field/],
  ['one API replica', (o) => { dep(o, 'provd-serve').spec.replicas = 1; }, /at least 2 replicas/],
  ['liveness on /readyz', (o) => { main(o, 'provd-serve').livenessProbe.httpGet.path = '/readyz'; }, /liveness probe/],
  ['a writable root filesystem', (o) => { main(o, 'provd-worker').securityContext.readOnlyRootFilesystem = false; }, /not read-only/],
  ['capabilities kept', (o) => { main(o, 'provd-serve').securityContext.capabilities.drop = ['NET_RAW']; }, /drop ALL/],
  ['root', (o) => { dep(o, 'provd-worker').spec.template.spec.securityContext.runAsNonRoot = false; }, /non-root/],
  ['no limits', (o) => { delete main(o, 'provd-serve').resources.limits; }, /no memory limit/],
  ['a world-readable key Secret', (o) => { dep(o, 'provd-worker').spec.template.spec.volumes.find((v) => v.secret).secret.defaultMode = 0o444; }, /defaultMode/],
  ['the key Secret mounted in provd', (o) => { main(o, 'provd-worker').volumeMounts.push({ name: 'eth-key-secret', mountPath: '/s' }); }, /mounts the secret/],
  ['the database URL by hand', (o) => { main(o, 'provd-serve').env[0] = { name: 'PROVD_DATABASE_URL', value: 'postgresql://x' }; }, /provd-db-app/],
  ['no HPA', (o) => { o.splice(o.findIndex((x) => x.kind === 'HorizontalPodAutoscaler'), 1); }, /no HorizontalPodAutoscaler/],
  ['no PDB for the API', (o) => { o.splice(o.findIndex((x) => x.metadata.name === 'provd-serve' && x.kind === 'PodDisruptionBudget'), 1); }, /no PodDisruptionBudget/],
  ['an Ingress without TLS', (o) => { delete o.find((x) => x.kind === 'Ingress').spec.tls; }, /TLS/],
  ['one worker', (o) => { dep(o, 'provd-worker').spec.replicas = 1; }, /2 replicas/],
  ['PostgreSQL settings of its own', (o) => { o.find((x) => x.kind === 'Cluster').spec.postgresql.parameters.max_wal_size = '1GB'; }, /max_wal_size is not 8GB/],
];
for (const [what, breakIt, re] of breaks) {
  test(`refused: ${what}`, async () => {
    const objs = build(overlay);
    breakIt(objs);
    const problems = await check(objs);
    assert.ok(problems.some((p) => re.test(p)), `expected ${re} in ${JSON.stringify(problems)}`);
  });
}
