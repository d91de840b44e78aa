// SPDX-License-Identifier: Apache-2.0
// The page frame every view shares: its title (focused, for screen readers and keyboards) and
// its content in <main>; an alert for errors.
import { h, replace } from './dom.js';

const main = () => document.getElementById('main');

// Pages register a cleanup (closing an event stream, say) that runs when the next page opens.
let cleanup = null;
export function onLeave(fn) {
  cleanup = fn;
}

export function page(title, ...children) {
  if (cleanup) cleanup();
  cleanup = null;
  document.title = `${title} · provd explorer`;
  replace(main(), h('h2', { id: 'page-title', tabindex: '-1' }, title), ...children);
  document.getElementById('page-title').focus();
}

export const alertBox = (text) => h('p', { class: 'error', role: 'alert' }, text);
