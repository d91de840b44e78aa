// SPDX-License-Identifier: Apache-2.0
// A JSON-RPC proxy in front of a node, for fault injection: it can swallow
// eth_sendRawTransaction (the request never reaches the node and never gets an answer, like a
// process killed between signing and sending) and records what passed through.
import http from 'node:http';

export async function startRpcProxy(target) {
  const state = { swallowSends: false, swallowed: [], calls: [] };
  const hung = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      let msg;
      try {
        msg = JSON.parse(body);
      } catch {
        res.writeHead(400).end();
        return;
      }
      state.calls.push(msg.method);
      if (state.swallowSends && msg.method === 'eth_sendRawTransaction') {
        state.swallowed.push(msg.params[0]);
        hung.add(res);
        return;
      }
      try {
        const r = await fetch(target, { method: 'POST', body,
          headers: { 'content-type': 'application/json' } });
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    async stop() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
