// SPDX-License-Identifier: Apache-2.0
// Building the page from data without ever parsing it as HTML: h('p', {class: 'x'}, 'text', el).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// A link only for http(s) URLs (never javascript: or data:), opened without a referrer.
export function safeLink(url, text = url) {
  return /^https?:\/\//i.test(url)
    ? h('a', { href: url, rel: 'noopener noreferrer nofollow', target: '_blank' }, text)
    : h('span', {}, text);
}
