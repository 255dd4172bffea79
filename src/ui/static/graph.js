// The call graph as a collapsible tree: a job's children are the calls its task returned. Children
// load a page at a time when a node opens; beyond SMALL jobs the tree starts collapsed.
import { enc, getJson } from './api.js';
import { h, fill } from './dom.js';
import { count, duration, STATUSES } from './format.js';

const PAGE = 100;
const SMALL = 200;

function belowText(below) {
  const total = STATUSES.reduce((sum, s) => sum + below[s], 0);
  if (total === 0) return null;
  const parts = STATUSES.filter((s) => below[s] > 0).map((s) => `${count(below[s])} ${s}`);
  return `${count(total)} below: ${parts.join(' · ')}`;
}

function statusBar(below) {
  const total = STATUSES.reduce((sum, s) => sum + below[s], 0);
  if (total === 0) return null;
  const bar = h('span', { class: 'mini-bar', 'aria-hidden': 'true' });
  for (const s of STATUSES) {
    if (below[s] === 0) continue;
    const part = h('span', { class: `seg ${s}` });
    part.style.flexGrow = String(below[s]);
    bar.append(part);
  }
  return bar;
}

export function callGraph(executionId) {
  const root = h('ul', { class: 'tree' });
  const expanded = new Set();
  let autoExpand = false;

  async function loadInto(list, parent, offset) {
    const page = await getJson(`/api/executions/${enc(executionId)}/graph`, { parent, offset, limit: PAGE });
    if (parent === '' && offset === 0) autoExpand = page.jobs <= SMALL;
    for (const node of page.nodes) list.append(item(node));
    const shown = offset + page.nodes.length;
    if (shown < page.total) {
      const more = h(
        'li',
        { class: 'more' },
        h(
          'button',
          { type: 'button' },
          `show ${count(Math.min(PAGE, page.total - shown))} more of ${count(page.total - shown)}`,
        ),
      );
      more.firstChild.addEventListener('click', async () => {
        more.remove();
        await loadInto(list, parent, shown);
      });
      list.append(more);
    }
  }

  function item(node) {
    const kids = h('ul', { class: 'tree' });
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'toggle',
        'aria-expanded': 'false',
        'aria-label': `children of ${node.taskName}`,
      },
      '▸',
    );
    const li = h(
      'li',
      { 'data-id': node.id, class: `node status-${node.status}` },
      node.children > 0 ? toggle : h('span', { class: 'toggle-space' }),
      h('span', { class: `dot ${node.status}`, title: node.status }),
      h('a', { href: `#/jobs/${enc(node.id)}` }, node.taskName),
      h('span', { class: 'muted' }, ` ${node.status} · ${node.executor} · ${duration(node.durationMs)}`),
      node.children > 0 ? h('span', { class: 'muted below' }, ` · ${belowText(node.below) ?? ''}`) : null,
      statusBar(node.below),
      kids,
    );
    let loaded = false;
    const open = async (want) => {
      toggle.setAttribute('aria-expanded', String(want));
      toggle.textContent = want ? '▾' : '▸';
      kids.hidden = !want;
      if (want) expanded.add(node.id);
      else expanded.delete(node.id);
      if (want && !loaded) {
        loaded = true;
        await loadInto(kids, node.id, 0);
      }
    };
    toggle.addEventListener('click', () => open(toggle.getAttribute('aria-expanded') !== 'true'));
    kids.hidden = true;
    if (node.children > 0 && (autoExpand || expanded.has(node.id))) open(true);
    return li;
  }

  return {
    element: root,
    /** Loads the roots again, keeping open what was open. */
    async refresh() {
      const fresh = h('ul', { class: 'tree' });
      await loadInto(fresh, '', 0);
      root.replaceChildren(...fresh.childNodes);
    },
    clear() {
      fill(root);
    },
  };
}
