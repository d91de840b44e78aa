// SPDX-License-Identifier: Apache-2.0
// deploy/kubernetes/, offline: build() assembles a kustomization as kustomize does for the
// features used there (resources: files and directories, namespace, images, labels, patches:
// strategic-merge files and inline JSON 6902 with a target), and check() validates each object
// against the Kubernetes OpenAPI schema (npm kubernetes-models' compiled validators, made
// strict: a field the schema does not know is an error, as kubeconform -strict), checks the
// CloudNativePG objects' required fields and provd's own rules (probes, resources, non-root,
// read-only root filesystem, no capabilities, key files 0400, …). Used by kubernetes.test.mjs;
//   node tests/deploy/kubernetes-check.mjs DIR|FILE.yaml   prints the problems, exits 1 if any
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(top, 'tests/blackbox/package.json'));
const YAML = require('yaml');
const modelsDir = path.dirname(require.resolve('kubernetes-models/package.json'));

export const parseAll = (text) =>
  YAML.parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors[0].message);
      return d.toJS();
    })
    .filter((o) => o !== null);

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (v) => structuredClone(v);

// Strategic merge as far as these manifests need it: maps merge, lists of maps with a name
// merge by name, other lists and scalars are replaced; null deletes.
function merge(base, patch) {
  if (!isObj(base) || !isObj(patch)) {
    if (Array.isArray(base) && Array.isArray(patch) && patch.every((e) => isObj(e) && 'name' in e) &&
      base.every((e) => isObj(e) && 'name' in e)) {
      const out = base.map(clone);
      for (const p of patch) {
        const i = out.findIndex((e) => e.name === p.name);
        if (i >= 0) out[i] = merge(out[i], p);
        else out.push(clone(p));
      }
      return out;
    }
    return clone(patch);
  }
  const out = clone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? merge(out[k], v) : clone(v);
  }
  return out;
}

const pointer = (p) => p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
function json6902(obj, ops) {
  for (const op of ops) {
    const keys = pointer(op.path);
    const last = keys.pop();
    let at = obj;
    for (const k of keys) {
      at = at?.[Array.isArray(at) ? Number(k) : k];
      if (at === undefined) throw new Error(`patch ${op.op} ${op.path}: no such path`);
    }
    if (op.op === 'replace' && !(last in at)) throw new Error(`patch replace ${op.path}: no such path`);
    if (op.op === 'replace' || (op.op === 'add' && !Array.isArray(at))) at[last] = clone(op.value);
    else if (op.op === 'add') at.splice(last === '-' ? at.length : Number(last), 0, clone(op.value));
    else if (op.op === 'remove') Array.isArray(at) ? at.splice(Number(last), 1) : delete at[last];
    else throw new Error(`patch op ${op.op} is not supported here`);
  }
}

const id = (o) => `${o.kind}/${o.metadata?.name}`;
const podSpecs = (o) => (o.spec?.template?.spec ? [o.spec.template.spec] : []);

// The objects a kustomization directory builds, in order.
export function build(dir) {
  const k = YAML.parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
  const known = ['apiVersion', 'kind', 'resources', 'namespace', 'images', 'labels', 'patches'];
  for (const key of Object.keys(k))
    if (!known.includes(key)) throw new Error(`${dir}: kustomization field ${key} is not supported by this builder`);
  let objs = [];
  for (const r of k.resources || []) {
    const p = path.join(dir, r);
    objs.push(...(fs.statSync(p).isDirectory() ? build(p) : parseAll(fs.readFileSync(p, 'utf8'))));
  }
  for (const p of k.patches || []) {
    if (p.path) {
      for (const patch of parseAll(fs.readFileSync(path.join(dir, p.path), 'utf8'))) {
        const i = objs.findIndex((o) => o.kind === patch.kind && o.metadata?.name === patch.metadata?.name);
        if (i < 0) throw new Error(`${dir}: patch ${p.path} matches no ${id(patch)}`);
        objs[i] = merge(objs[i], patch);
      }
    } else {
      const t = p.target || {};
      const hits = objs.filter((o) => (!t.kind || o.kind === t.kind) && (!t.name || o.metadata?.name === t.name));
      if (!hits.length) throw new Error(`${dir}: an inline patch matches nothing`);
      for (const o of hits) json6902(o, YAML.parse(p.patch));
    }
  }
  if (k.namespace) for (const o of objs) o.metadata.namespace = k.namespace;
  for (const img of k.images || []) {
    for (const o of objs) {
      for (const spec of podSpecs(o)) {
        for (const c of [...(spec.initContainers || []), ...(spec.containers || [])]) {
          const m = /^([^:@]+)(?::([^@]+))?$/.exec(c.image);
          if (!m || m[1] !== img.name) continue;
          c.image = `${img.newName || m[1]}${img.newTag ? ':' + img.newTag : m[2] ? ':' + m[2] : ''}`;
        }
      }
    }
  }
  for (const l of k.labels || []) {
    for (const o of objs) {
      o.metadata.labels = { ...(o.metadata.labels || {}), ...l.pairs };
      if (l.includeSelectors) throw new Error('labels with includeSelectors are not supported here');
    }
  }
  return objs;
}

// Ajv's compiled validators carry no messages: the usual ones from keyword and params.
function ajvMessage(e) {
  const q = e.params || {};
  switch (e.keyword) {
  case 'type': return `must be ${q.type}`;
  case 'required': return `must have required property '${q.missingProperty}'`;
  case 'enum': return `must be one of ${JSON.stringify(q.allowedValues)}`;
  case 'format': return `must match format "${q.format}"`;
  default: return `${e.keyword} ${JSON.stringify(q)}`;
  }
}

// Validates data with a compiled schema validator, strictly: keys the validator never read are
// unknown to the schema (maps, whose keys it enumerates, accept any key).
function strictValidate(validate, data) {
  const seen = new Set();
  const track = (v, p) => (v === null || typeof v !== 'object') ? v : new Proxy(v, {
    get(t, key, r) {
      const val = Reflect.get(t, key, r);
      if (typeof key !== 'string' || !Object.hasOwn(t, key)) return val;
      seen.add(p + '/' + key);
      return track(val, p + '/' + key);
    },
    ownKeys(t) {
      for (const key of Object.keys(t)) seen.add(p + '/' + key);
      return Reflect.ownKeys(t);
    },
  });
  const problems = [];
  if (!validate(track(data, ''))) {
    for (const e of validate.errors) problems.push(`${e.instancePath || '/'} ${ajvMessage(e)}`);
  }
  const walk = (v, p) => {
    if (v === null || typeof v !== 'object') return;
    for (const key of Object.keys(v)) {
      if (!seen.has(p + '/' + key)) problems.push(`${p}/${key}: unknown field`);
      else walk(v[key], p + '/' + key);
    }
  };
  walk(data, '');
  return problems;
}

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
async function schemaFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const name = `IoK8sApi${cap(group.split('.')[0])}${cap(version)}${kind}`;
  const file = path.join(modelsDir, '_schemas', name + '.js');
  if (!fs.existsSync(file)) return null;
  return (await import(pathToFileURL(file))).validate;
}

// CloudNativePG (postgresql.cnpg.io/v1): no schema package, so the fields used here and the
// operator's required ones.
const CNPG_CLUSTER_SPEC = ['instances', 'imageName', 'primaryUpdateStrategy', 'bootstrap', 'postgresql',
  'storage', 'walStorage', 'resources', 'backup', 'monitoring', 'affinity', 'description',
  'enableSuperuserAccess', 'superuserSecret', 'managed', 'replica', 'externalClusters', 'plugins'];
function checkCnpg(o, all, problems) {
  const p = (m) => problems.push(`${id(o)}: ${m}`);
  const s = o.spec;
  if (!isObj(s)) return p('no spec');
  if (o.kind === 'Cluster') {
    for (const k of Object.keys(s)) if (!CNPG_CLUSTER_SPEC.includes(k)) p(`spec.${k}: unknown field`);
    if (!Number.isInteger(s.instances) || s.instances < 3) p('spec.instances must be an integer >= 3 (a primary and 2 replicas)');
    if (typeof s.storage?.size !== 'string' || !/^\d+(Mi|Gi|Ti)$/.test(s.storage.size)) p('spec.storage.size must be a quantity like 20Gi');
    if (s.imageName && !/:\d+(\.\d+)+/.test(s.imageName)) p(`spec.imageName ${s.imageName} is not pinned to a version`);
    const init = s.bootstrap?.initdb;
    if (!init?.database || !init?.owner) p('spec.bootstrap.initdb needs database and owner');
    if (s.backup) {
      const b = s.backup.barmanObjectStore;
      if (!b?.destinationPath) p('spec.backup.barmanObjectStore.destinationPath is required');
    }
  } else if (o.kind === 'ScheduledBackup') {
    if (typeof s.schedule !== 'string' || s.schedule.split(' ').length !== 6) p('spec.schedule must be a six-field cron');
    const c = all.find((x) => x.kind === 'Cluster' && x.metadata.name === s.cluster?.name);
    if (!c) p(`spec.cluster.name ${s.cluster?.name} names no Cluster`);
    else if (!c.spec.backup) p('its Cluster has no spec.backup');
  } else p('unknown CloudNativePG kind');
}

const containersOf = (spec) => [...(spec.initContainers || []), ...(spec.containers || [])];
const selects = (sel, labels) => Object.entries(sel || {}).every(([k, v]) => labels?.[k] === v);

// provd's own rules for its objects.
function checkProvd(objs, problems) {
  const p = (o, m) => problems.push(`${id(o)}: ${m}`);
  const get = (kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
  const serve = get('Deployment', 'provd-serve');
  const worker = get('Deployment', 'provd-worker');
  const cluster = objs.find((o) => o.kind === 'Cluster');
  if (!serve || !worker || !cluster) return problems.push('provd-serve, provd-worker and a Cluster are required');
  const pgConf = fs.readFileSync(path.join(top, 'deploy/postgres/provd.conf'), 'utf8');
  for (const [, k, v] of pgConf.matchAll(/^([a-z_]+)\s*=\s*(\S+)\s*$/gm))
    if (cluster.spec.postgresql?.parameters?.[k] !== v) p(cluster, `spec.postgresql.parameters.${k} is not ${v} (deploy/postgres/provd.conf)`);
  const args = (d) => d.spec.template.spec.containers[0]?.args?.[0];
  if (args(serve) !== 'serve') p(serve, 'does not run provd serve');
  if (args(worker) !== 'worker') p(worker, 'does not run provd worker');
  if (!(serve.spec.replicas >= 2)) p(serve, 'needs at least 2 replicas');
  if (worker.spec.replicas !== 2) p(worker, 'needs 2 replicas (one active, one standby)');
  for (const d of objs.filter((o) => podSpecs(o).length)) {
    const spec = d.spec.template.spec;
    if (!selects(d.spec.selector?.matchLabels, d.spec.template.metadata?.labels)) p(d, 'selector does not match its pods');
    const sc = spec.securityContext || {};
    if (sc.runAsNonRoot !== true || !(sc.runAsUser > 0)) p(d, 'pods must run as a non-root uid');
    if (spec.automountServiceAccountToken !== false) p(d, 'mounts a service account token it does not need');
    for (const c of containersOf(spec)) {
      const cs = c.securityContext || {};
      if (cs.readOnlyRootFilesystem !== true) p(d, `${c.name}: root filesystem not read-only`);
      if (cs.allowPrivilegeEscalation !== false) p(d, `${c.name}: allows privilege escalation`);
      if (!(cs.capabilities?.drop || []).includes('ALL')) p(d, `${c.name}: does not drop ALL capabilities`);
      for (const k of ['cpu', 'memory'])
        if (!c.resources?.requests?.[k]) p(d, `${c.name}: no ${k} request`);
      if (!c.resources?.limits?.memory) p(d, `${c.name}: no memory limit`);
      if (/:latest$|^[^:]+$/.test(c.image)) p(d, `${c.name}: image ${c.image} not pinned`);
    }
    const main = spec.containers[0];
    const db = (main.env || []).find((e) => e.name === 'PROVD_DATABASE_URL');
    if (db?.valueFrom?.secretKeyRef?.name !== `${cluster.metadata.name}-app` || db.valueFrom.secretKeyRef.key !== 'uri')
      p(d, `PROVD_DATABASE_URL must come from the operator's secret ${cluster.metadata.name}-app, key uri`);
    for (const e of main.envFrom || [])
      if (e.configMapRef && !get('ConfigMap', e.configMapRef.name)) p(d, `ConfigMap ${e.configMapRef.name} is missing`);
    // key files: Secret volumes readable by no one but owner and group, copied 0400 by an init step
    for (const v of spec.volumes || []) {
      if (!v.secret) continue;
      if (v.secret.defaultMode === undefined || (v.secret.defaultMode & 0o137)) p(d, `secret volume ${v.name}: defaultMode must be 0400 or 0440`);
      const inits = (spec.initContainers || []).filter((c) => (c.volumeMounts || []).some((m) => m.name === v.name));
      if (!inits.length || !inits.every((c) => /install -m 0400 /.test(c.command.join(' '))))
        p(d, `secret volume ${v.name}: not copied 0400 to provd's uid by an init container`);
      if ((main.volumeMounts || []).some((m) => m.name === v.name)) p(d, `${main.name} mounts the secret ${v.name} itself (group-readable)`);
    }
    for (const e of main.env || []) {
      if (!/_KEY_FILE$/.test(e.name)) continue;
      const m = (main.volumeMounts || []).find((vm) => e.value?.startsWith(vm.mountPath + '/'));
      if (!m || m.readOnly !== true) p(d, `${e.name}: ${e.value} is not on a read-only key volume`);
    }
  }
  const probe = (c, kind) => c[kind]?.httpGet?.path;
  const sc = serve.spec.template.spec.containers[0];
  if (probe(sc, 'readinessProbe') !== '/readyz') p(serve, 'readiness probe must be GET /readyz');
  if (probe(sc, 'livenessProbe') !== '/healthz') p(serve, 'liveness probe must be GET /healthz');
  const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec.selector?.matchLabels, serve.spec.template.metadata.labels));
  if (!pdb) p(serve, 'no PodDisruptionBudget');
  const hpa = objs.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef?.name === 'provd-serve');
  if (!hpa) p(serve, 'no HorizontalPodAutoscaler');
  else if (!(hpa.spec.minReplicas >= 2)) p(hpa, 'minReplicas must be at least 2');
  const svc = objs.find((o) => o.kind === 'Service' && selects(o.spec.selector, serve.spec.template.metadata.labels));
  if (!svc) p(serve, 'no Service selects it');
  const ing = objs.find((o) => o.kind === 'Ingress');
  if (!ing?.spec?.tls?.length) problems.push('an Ingress with TLS is required');
  for (const rule of ing?.spec?.rules || [])
    for (const pa of rule.http?.paths || []) {
      const s = get('Service', pa.backend?.service?.name);
      if (!s || !s.spec.ports.some((port) => port.name === pa.backend.service.port?.name || port.port === pa.backend.service.port?.number))
        p(ing, `backend ${pa.backend?.service?.name} is not a Service port`);
    }
}

// Every problem of objs (strings; empty when all is well).
export async function check(objs, { provd = true } = {}) {
  const problems = [];
  const ids = new Set();
  for (const o of objs) {
    if (!isObj(o) || !o.apiVersion || !o.kind || !o.metadata?.name) {
      problems.push(`not a Kubernetes object: ${JSON.stringify(o).slice(0, 80)}`);
      continue;
    }
    const key = `${o.apiVersion}/${o.kind}/${o.metadata.namespace || ''}/${o.metadata.name}`;
    if (ids.has(key)) problems.push(`${id(o)}: defined twice`);
    ids.add(key);
    if (o.apiVersion === 'postgresql.cnpg.io/v1') {
      checkCnpg(o, objs, problems);
      continue;
    }
    const validate = await schemaFor(o.apiVersion, o.kind);
    if (!validate) {
      problems.push(`${id(o)}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    for (const e of strictValidate(validate, o)) problems.push(`${id(o)}: ${e}`);
  }
  if (provd && !problems.length) checkProvd(objs, problems);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  const objs = fs.statSync(arg).isDirectory() ? build(arg) : parseAll(fs.readFileSync(arg, 'utf8'));
  const problems = await check(objs, { provd: process.argv[3] !== '--schema-only' });
  for (const pr of problems) console.log(pr);
  console.log(`${objs.length} objects, ${problems.length} problems`);
  process.exit(problems.length ? 1 : 0);
}
