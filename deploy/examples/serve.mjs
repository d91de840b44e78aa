// SPDX-License-Identifier: Apache-2.0
// Serves upload.html and what it imports (this folder and clients/js/) on 127.0.0.1:PORT
// (default 8000), with a strict Content-Security-Policy, and nothing else of the repository.
//   node deploy/examples/serve.mjs [PORT]      then open http://127.0.0.1:PORT/
// provd must allow this origin: PROVD_CORS_ORIGINS=http://127.0.0.1:PORT and
// PROVD_OPEN_REGISTRATION=true when deploy/run-local.sh starts.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const served = ['deploy/examples/', 'clients/js/'];
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.md': 'text/plain; charset=utf-8' };
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
  + "connect-src 'self' http://127.0.0.1:* http://localhost:* https:; base-uri 'none'; form-action 'none'";

export function serve(port = 8000, host = '127.0.0.1') {
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    if (p === '') {
      res.writeHead(302, { location: '/deploy/examples/upload.html' }).end();
      return;
    }
    const file = path.resolve(root, p);
    const rel = path.relative(root, file).split(path.sep).join('/');
    if (req.method !== 'GET' || !served.some((d) => rel.startsWith(d)) || !types[path.extname(file)]
        || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)], 'content-security-policy': csp,
      'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] || 8000);
  const server = await serve(port);
  console.log(`Serving the upload example on http://127.0.0.1:${server.address().port}/
Start provd with PROVD_CORS_ORIGINS=http://127.0.0.1:${server.address().port} PROVD_OPEN_REGISTRATION=true deploy/run-local.sh`);
}
