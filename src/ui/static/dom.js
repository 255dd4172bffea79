// Building the page: every piece of data goes in as text (textContent, attributes set one by one),
// never as markup, so a value holding <script> or an onerror attribute is shown, not run.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

function setAttributes(el, attrs) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'href' && !/^(#|\/|https?:)/.test(String(value))) continue;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

/** An HTML element: h('a', { href: '#/x', class: 'y' }, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  return append(el, children);
}

/** An SVG element. */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttributes(el, attrs);
  return append(el, children);
}

/** A table of class `grid ${cls}` with a header row of `titles` above `body`. */
export function grid(cls, titles, body) {
  return h(
    'table',
    { class: `grid ${cls}` },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        titles.map((t) => h('th', {}, t)),
      ),
    ),
    body,
  );
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Calls `fn` at most once per `ms`, the last call winning. */
export function throttle(fn, ms) {
  let timer;
  let last = 0;
  return () => {
    if (timer !== undefined) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      fn();
    }, wait);
  };
}
