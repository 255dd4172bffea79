// The executions list: task, start, duration, status, jobs and cache hits, with a search box and
// filters, a page at a time; rows follow running executions live.
import { getJson } from './api.js';
import { h, fill, grid, throttle } from './dom.js';
import { count, duration, elapsed, percent, time } from './format.js';

const PAGE = 50;

export function executionsView(root) {
  const state = { status: '', task: '', q: '', offset: 0, rows: new Map() };
  const search = h('input', {
    type: 'search',
    placeholder: 'search id, task, arguments, host',
    'aria-label': 'search',
  });
  const status = h(
    'select',
    { 'aria-label': 'status' },
    ['', 'running', 'lost', 'done', 'failed', 'cancelled'].map((s) =>
      h('option', { value: s }, s || 'any status'),
    ),
  );
  const task = h('input', { type: 'text', placeholder: 'task name', 'aria-label': 'task' });
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const message = h('p', { class: 'muted' });
  const totals = h('p', { class: 'totals' });
  fill(
    root,
    h('h1', {}, 'Executions'),
    h('div', { class: 'filters' }, search, status, task),
    totals,
    grid(
      'executions',
      ['id', 'task', 'arguments', 'started', 'duration', 'status', 'jobs', 'cache hits'],
      body,
    ),
    message,
    more,
  );

  function row(e) {
    return h(
      'tr',
      { 'data-id': e.id, class: `status-${e.status}` },
      h('td', { class: 'mono' }, h('a', { href: `#/executions/${encodeURIComponent(e.id)}` }, e.id)),
      h('td', {}, e.taskName),
      h('td', { class: 'args', title: e.argsPreview }, e.argsPreview),
      h('td', {}, time(e.startedAt)),
      h('td', { class: 'num' }, duration(e.durationMs ?? elapsed(e.startedAt, null))),
      h('td', {}, h('span', { class: `badge ${e.status}` }, e.status)),
      h(
        'td',
        { class: 'num' },
        count(e.counts.jobs),
        e.counts.failed ? h('span', { class: 'failed-count' }, ` (${count(e.counts.failed)} failed)`) : null,
      ),
      h('td', { class: 'num' }, `${count(e.counts.cached)} · ${percent(e.cacheHitRatio)}`),
    );
  }

  function showTotals() {
    let jobs = 0;
    let cached = 0;
    for (const e of state.rows.values()) {
      jobs += e.counts.jobs;
      cached += e.counts.cached;
    }
    totals.textContent = `${count(state.rows.size)} executions shown · ${count(jobs)} jobs · cache-hit ratio ${percent(jobs ? cached / jobs : null)}`;
  }

  let generation = 0;
  async function load(append) {
    const mine = ++generation;
    if (!append) state.offset = 0;
    try {
      const page = await getJson('/api/executions', {
        status: state.status,
        task: state.task,
        q: state.q,
        offset: state.offset,
        limit: PAGE,
      });
      if (mine !== generation) return;
      if (!append) {
        fill(body);
        state.rows.clear();
      }
      for (const e of page.executions) {
        state.rows.set(e.id, e);
        body.append(row(e));
      }
      state.offset += page.executions.length;
      more.hidden = !page.more;
      message.textContent =
        state.rows.size === 0 ? 'No executions match. Start one with: baton run FILE TASK' : '';
      showTotals();
      document.body.dataset.ready = 'executions';
    } catch (error) {
      message.textContent = `Cannot load executions: ${error.message}`;
    }
  }

  let closed = false;
  const reload = throttle(() => {
    if (!closed) load(false);
  }, 1000);
  let typing;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.q = search.value.trim();
      load(false);
    }, 250);
  });
  task.addEventListener('change', () => {
    state.task = task.value.trim();
    load(false);
  });
  status.addEventListener('change', () => {
    state.status = status.value;
    load(false);
  });
  more.addEventListener('click', () => load(true));
  load(false);

  return {
    close() {
      closed = true;
      generation++;
      clearTimeout(typing);
    },
    onLive(message) {
      if (message.type === 'reconnected') return reload();
      if (message.type !== 'execution') return;
      const e = message.execution;
      const old = body.querySelector(`tr[data-id="${CSS.escape(e.id)}"]`);
      if (old && (state.status === '' || state.status === e.status)) {
        state.rows.set(e.id, e);
        old.replaceWith(row(e));
        showTotals();
      } else reload();
    },
  };
}
