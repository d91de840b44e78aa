// SPDX-License-Identifier: Apache-2.0
// A TCP proxy between provd and PostgreSQL that counts what provd asks: every frontend message of
// the wire protocol (v3) is read off the stream, so `statements` is the number of Execute and
// simple Query messages and `syncs` the number of round trips that ended in a Sync. The counts
// are exact and independent of provd's own accounting. TLS and GSS encryption are refused in
// the URL it hands out (sslmode=disable, gssencmode=disable), so the stream stays readable.
import net from 'node:net';

// The startup message's parameters (name, value, …, ""), as an object.
function startupParams(msg) {
  const parts = msg.subarray(8).toString('utf8').split('\0');
  const out = {};
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) out[parts[i]] = parts[i + 1];
  return out;
}

// Reads one client→server stream; counts into c, unless the session's application_name is one
// of ignore (provd's event feed polls on a session of its own: not what the tests count).
function meter(c, ignore) {
  let buf = Buffer.alloc(0);
  let started = false; // after the startup message, messages carry a type byte
  let ignored = false;
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!started) {
        if (buf.length < 8) return;
        const len = buf.readUInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readUInt32BE(4);
        // SSLRequest / GSSENCRequest come before the startup message; CancelRequest ends it
        if (code !== 80877103 && code !== 80877104) {
          started = true;
          ignored = ignore.includes(startupParams(buf.subarray(0, len)).application_name);
        }
        buf = buf.subarray(len);
        continue;
      }
      if (ignored) {
        buf = Buffer.alloc(0);
        return;
      }
      if (buf.length < 5) return;
      const type = String.fromCharCode(buf[0]);
      const len = buf.readUInt32BE(1);
      if (buf.length < 1 + len) return;
      if (type === 'E' || type === 'Q') c.statements++;
      if (type === 'S') c.syncs++;
      buf = buf.subarray(1 + len);
    }
  };
}

// Listens on 127.0.0.1 and forwards to dbUrl's host and port. Returns {url, counts(), close()}:
// url is dbUrl pointed at the proxy. Sessions named in ignore are forwarded, not counted.
export async function startPgProxy(dbUrl, { ignore = ['provd-events'] } = {}) {
  const target = new URL(dbUrl);
  const counts = { statements: 0, syncs: 0, connections: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    counts.connections++;
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const count = meter(counts, ignore);
    client.on('data', (d) => {
      count(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(dbUrl);
  url.host = `127.0.0.1:${server.address().port}`;
  url.searchParams.set('sslmode', 'disable');
  url.searchParams.set('gssencmode', 'disable');
  return {
    url: url.toString(),
    counts: () => ({ ...counts }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
