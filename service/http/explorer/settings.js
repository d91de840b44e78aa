// SPDX-License-Identifier: Apache-2.0
// What the user keeps in this browser: a pinned log key (so that a server that swaps its key is
// caught), an Ethereum JSON-RPC URL for the on-chain step and the confirmations it requires.
const KEYS = { pinnedKey: 'provd.pinnedKey', rpcUrl: 'provd.rpcUrl', confirmations: 'provd.confirmations' };

export function loadSettings() {
  const get = (k) => localStorage.getItem(KEYS[k]) || '';
  return { pinnedKey: get('pinnedKey'), rpcUrl: get('rpcUrl'),
    confirmations: Number(get('confirmations')) || 12 };
}

export function saveSettings({ pinnedKey, rpcUrl, confirmations }) {
  const put = (k, v) => (v ? localStorage.setItem(KEYS[k], String(v)) : localStorage.removeItem(KEYS[k]));
  put('pinnedKey', pinnedKey.trim());
  put('rpcUrl', rpcUrl.trim());
  put('confirmations', confirmations);
}
