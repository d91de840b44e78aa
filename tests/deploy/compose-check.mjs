// SPDX-License-Identifier: Apache-2.0
// Checks docker-compose.yml as `docker-compose config` normalised it (the file given, YAML) and
// the Dockerfile: every image pinned by version (PostgreSQL to an exact 15.x, anvil's foundry
// image to tests/blackbox's @foundry-rs/anvil version), PostgreSQL started with the settings of
// deploy/postgres/provd.conf, the anvil volume handed to anvil's uid by an init step, provd's
// health checks by `provd health` (the image has no curl). Prints one line per problem and exits
// 1 if there are any.
//   node tests/deploy/compose-check.mjs CONFIG.yml [DOCKERFILE]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(top, 'tests/blackbox/package.json'));
const YAML = require('yaml');

const [configFile, dockerfile = path.join(top, 'Dockerfile')] = process.argv.slice(2);
const cfg = YAML.parse(fs.readFileSync(configFile, 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(top, 'tests/blackbox/package.json'), 'utf8'));
const anvilVersion = pkg.devDependencies['@foundry-rs/anvil'];
const problems = [];
const want = (ok, what) => ok || problems.push(what);

const services = cfg.services || {};
const cmdOf = (t) => (Array.isArray(t) ? t : [t]).join(' ');
for (const [name, s] of Object.entries(services)) {
  if (s.build && s.image) {
    want(/^provd(-nginx)?:/.test(s.image), `${name}: a built image is provd's own (${s.image})`);
    continue; // built here from a pinned debian:12-slim (checked below)
  }
  const m = /^[^@]+:([^:@/]+)$/.exec(s.image || '');
  want(m && /\d/.test(m[1]) && !/latest|stable|nightly/.test(m[1]),
    `${name}: image '${s.image}' is not pinned to a version`);
}
want(/^postgres:15\.\d+(-[a-z]+)?$/.test(services.postgres?.image || ''),
  `postgres: image '${services.postgres?.image}' is not an exact 15.x tag`);
const foundry = `ghcr.io/foundry-rs/foundry:v${anvilVersion}`;
want(services.anvil?.image === foundry, `anvil: image '${services.anvil?.image}' is not ${foundry} (the npm @foundry-rs/anvil)`);

// PostgreSQL runs with deploy/postgres/provd.conf's settings, each as -c name=value.
const pgConf = fs.readFileSync(path.join(top, 'deploy/postgres/provd.conf'), 'utf8');
const pgCmd = (Array.isArray(services.postgres?.command) ? services.postgres.command : []).map(String);
for (const m of pgConf.matchAll(/^([a-z_]+)\s*=\s*(\S+)\s*$/gm)) {
  const flag = pgCmd.findIndex((a, i) => a === '-c' && pgCmd[i + 1] === `${m[1]}=${m[2]}`);
  want(pgCmd[0] === 'postgres' && flag > 0,
    `postgres: command does not set ${m[1]}=${m[2]} (deploy/postgres/provd.conf)`);
}

// The anvil volume: anvil runs as a fixed uid, an init step (root) that anvil waits for chowns
// the volume to it, and anvil checks it can write there.
const anvil = services.anvil || {};
const uid = String(anvil.user || '').split(':')[0];
want(/^[1-9]\d*$/.test(uid), `anvil: no fixed non-root user: (got '${anvil.user}')`);
const vol = (anvil.volumes || []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
const initName = Object.keys(anvil.depends_on || {}).find((d) => services[d] &&
  (services[d].volumes || []).some((v) => (typeof v === 'string' ? v.split(':')[0] : v.source) === vol[0]));
want(initName && anvil.depends_on[initName].condition === 'service_completed_successfully',
  'anvil: does not wait for an init step on its volume');
if (initName) {
  const init = services[initName];
  want(String(init.user).split(':')[0] === '0', `${initName}: does not run as root`);
  want(new RegExp(`chown ${uid}(:\\d+)? `).test(cmdOf(init.entrypoint) + ' ' + cmdOf(init.command || [])),
    `${initName}: does not chown the volume to uid ${uid}`);
}
want(/test -w \/anvil/.test(cmdOf(anvil.command || [])), 'anvil: does not check its volume is writable');

// provd's health checks
const provd = services.provd || {};
want(provd.healthcheck && /provd health/.test(cmdOf(provd.healthcheck.test)),
  'provd: no healthcheck by provd health');
want(services.nginx?.depends_on?.provd?.condition === 'service_healthy',
  'nginx: does not wait for provd to be healthy');
for (const [name, s] of Object.entries(services))
  if (s.image === provd.image && name !== 'provd' && !/\b(serve|run)\b/.test(cmdOf(s.command || [])))
    want(s.healthcheck?.disable === true || cmdOf(s.healthcheck?.test ?? '') === 'NONE', `${name}: serves no HTTP, so its health check must be disabled`);

// The Dockerfile: HEALTHCHECK by provd health, pinned base images.
const df = fs.readFileSync(dockerfile, 'utf8');
want(/^HEALTHCHECK .*\\\n\s*CMD \["\/usr\/local\/bin\/provd", "health"/m.test(df) ||
  /^HEALTHCHECK .*CMD \["\/usr\/local\/bin\/provd", "health"/m.test(df),
  'Dockerfile: no HEALTHCHECK CMD ["/usr/local/bin/provd", "health", …]');
for (const m of df.matchAll(/^FROM (\S+)/gm))
  want(/:[^:]*\d/.test(m[1]), `Dockerfile: FROM ${m[1]} is not pinned to a version`);

for (const p of problems) console.log(`compose-check: ${p}`);
process.exit(problems.length ? 1 : 0);
