// SPDX-License-Identifier: Apache-2.0
// Starts Foundry's anvil (npm @foundry-rs/anvil) on a free port for a test and stops it.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const anvilBin = path.join(here, '..', 'node_modules', '.bin', 'anvil');

// anvil's first funded dev account (the well-known mnemonic "test test … junk").
export const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const DEV_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function rpc(url, method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export async function startAnvil(args = [], { port } = {}) {
  port = port || (await freePort());
  const proc = spawn(anvilBin, ['--port', String(port), '--host', '127.0.0.1', ...args],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`anvil exited:\n${log}`);
    try {
      await rpc(url, 'eth_chainId');
      return { url, proc, logs: () => log,
        async stop() { proc.kill('SIGTERM'); await new Promise((r) => proc.on('exit', r)); } };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill('SIGKILL');
  throw new Error(`anvil did not answer:\n${log}`);
}
