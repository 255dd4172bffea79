// One execution: its state and counts, the per-task summary with the durations histogram, the call
// graph, the timeline per executor, and its jobs a page at a time (filter, search, sort).
import { enc, getJson } from './api.js';
import { h, fill, grid, throttle } from './dom.js';
import { count, duration, elapsed, percent, STATUSES, time } from './format.js';
import { callGraph } from './graph.js';
import { timelineChart } from './timeline.js';
import { histogram, taskTable } from './charts.js';
import { errorBlock, previewBlock } from './job.js';

const PAGE = 100;

export function executionView(root, id) {
  const head = h('section', { class: 'head' }, h('p', { class: 'muted' }, 'Loading…'));
  const summary = h('section', { class: 'summary' });
  const hist = h('section', { class: 'hist' });
  const graph = callGraph(id);
  const timeline = timelineChart();
  const jobs = jobTable(id);
  let histSelection = '*';
  let running = true;
  let closed = false;

  fill(
    root,
    head,
    h(
      'div',
      { class: 'columns' },
      h('div', {}, h('h2', {}, 'Tasks'), summary),
      h('div', {}, h('h2', {}, 'Durations'), hist),
    ),
    h('h2', {}, 'Call graph'),
    graph.element,
    h('h2', {}, 'Timeline'),
    timeline.element,
    h('h2', {}, 'Jobs'),
    jobs.element,
  );

  async function loadHead() {
    const { execution: e, result } = await getJson(`/api/executions/${enc(id)}`);
    running = e.status === 'running';
    const c = e.counts;
    fill(
      head,
      h(
        'h1',
        {},
        e.taskName,
        h('span', { class: 'args' }, `(${e.argsPreview})`),
        ' ',
        h('span', { class: `badge ${e.status}` }, e.status),
      ),
      h(
        'p',
        { class: 'facts' },
        h('span', { class: 'mono' }, e.id),
        ` · started ${time(e.startedAt)} · took ${duration(e.durationMs ?? elapsed(e.startedAt, null))} · on ${e.host} (pid ${e.pid})`,
      ),
      h(
        'p',
        { class: 'counts', 'data-jobs': c.jobs },
        h('strong', {}, `${count(c.jobs)} jobs`),
        STATUSES.filter((s) => c[s] > 0).map((s) => [
          ' · ',
          h(
            'button',
            { type: 'button', class: `link ${s}`, onclick: () => jobs.filter({ status: s }) },
            `${count(c[s])} ${s}`,
          ),
        ]),
        ` · cache-hit ratio ${percent(e.cacheHitRatio)}`,
      ),
      h('p', { class: 'muted mono argv' }, `${e.cwd} $ ${e.argv.join(' ')}`),
      e.lost ? h('p', { class: 'error-text lost-reason' }, `Recorded as running, but ${e.lost}.`) : null,
      e.error ? errorBlock(e.error, 'Error') : null,
      result ? previewBlock('Result', result) : null,
    );
    document.title = `Baton · ${e.taskName} · ${e.status}`;
  }

  async function loadSummary() {
    const data = await getJson(`/api/executions/${enc(id)}/summary`);
    fill(
      summary,
      taskTable(data.tasks, (task) => {
        jobs.filter({ task });
        histSelection = task;
        chart.select(task);
      }),
    );
    const chart = histogram(hist, data, histSelection);
  }

  async function loadTimeline() {
    timeline.show(await getJson(`/api/executions/${enc(id)}/timeline`));
  }

  const failed = (what) => (error) => {
    if (!closed)
      fill(
        what === 'head' ? head : summary,
        h('p', { class: 'error' }, `Cannot load ${what}: ${error.message}`),
      );
  };

  // The head and first page of jobs are the first render; what needs every job follows it.
  Promise.all([loadHead(), jobs.load()])
    .then(() => {
      performance.mark('baton:first-render');
      document.body.dataset.ready = 'execution';
    })
    .catch(failed('head'))
    .then(() => (closed ? undefined : Promise.all([loadSummary(), graph.refresh(), loadTimeline()])))
    .catch(failed('summary'));

  const refresh = throttle(() => {
    if (closed) return;
    Promise.all([loadHead(), jobs.load(), loadSummary(), loadTimeline(), graph.refresh()]).catch(
      failed('head'),
    );
  }, 1000);

  return {
    close() {
      closed = true;
    },
    onLive(message) {
      if (message.type === 'reconnected') return refresh();
      const about = message.type === 'execution' ? message.execution.id : message.executionId;
      if (about === id || (message.type === 'execution' && running)) refresh();
    },
  };
}

function jobTable(executionId) {
  const state = { status: '', task: '', q: '', sort: 'queued', order: 'asc', offset: 0 };
  const status = h(
    'select',
    { 'aria-label': 'job status' },
    ['', ...STATUSES].map((s) => h('option', { value: s }, s || 'any status')),
  );
  const task = h('input', { type: 'text', placeholder: 'task name', 'aria-label': 'job task' });
  const search = h('input', {
    type: 'search',
    placeholder: 'search id, task, executor, error',
    'aria-label': 'job search',
  });
  const sort = h(
    'select',
    { 'aria-label': 'sort jobs' },
    [
      ['queued', 'queued order'],
      ['started', 'start'],
      ['duration', 'duration'],
      ['task', 'task'],
      ['status', 'status'],
    ].map(([v, t]) => h('option', { value: v }, t)),
  );
  const order = h(
    'select',
    { 'aria-label': 'order' },
    h('option', { value: 'asc' }, 'ascending'),
    h('option', { value: 'desc' }, 'descending'),
  );
  const body = h('tbody');
  const pager = h('div', { class: 'pager' });
  const element = h(
    'div',
    { class: 'jobs' },
    h('div', { class: 'filters' }, search, status, task, sort, order),
    grid('jobs-table', ['job', 'task', 'status', 'executor', 'attempt', 'started', 'duration', 'note'], body),
    pager,
  );

  function row(j) {
    const note = j.error
      ? h('span', { class: 'error-text' }, `${j.error.name}: ${j.error.message}`)
      : j.cachedFromExecutionId
        ? h(
            'span',
            {},
            'from ',
            h('a', { href: `#/executions/${enc(j.cachedFromExecutionId)}` }, j.cachedFromExecutionId),
          )
        : (j.argsPreview ?? '');
    return h(
      'tr',
      { class: `status-${j.status}`, 'data-id': j.id },
      h('td', { class: 'mono' }, h('a', { href: `#/jobs/${enc(j.id)}` }, j.id.slice(-10))),
      h('td', {}, j.taskName),
      h('td', {}, h('span', { class: `badge ${j.status}` }, j.status)),
      h('td', {}, j.executor),
      h('td', { class: 'num' }, String(j.attempt)),
      h('td', {}, time(j.startedAt)),
      h(
        'td',
        { class: 'num' },
        duration(j.durationMs ?? (j.status === 'running' ? elapsed(j.startedAt, null) : null)),
      ),
      h('td', { class: 'note' }, note),
    );
  }

  let generation = 0;
  async function load() {
    const mine = ++generation;
    const page = await getJson(`/api/executions/${enc(executionId)}/jobs`, {
      status: state.status,
      task: state.task,
      q: state.q,
      sort: state.sort,
      order: state.order,
      offset: state.offset,
      limit: PAGE,
    });
    if (mine !== generation) return;
    fill(body, page.jobs.map(row));
    const last = Math.min(page.total, state.offset + page.jobs.length);
    const go = (offset) => () => {
      state.offset = offset;
      load();
    };
    fill(
      pager,
      h(
        'button',
        { type: 'button', disabled: state.offset === 0, onclick: go(Math.max(0, state.offset - PAGE)) },
        '‹ previous',
      ),
      h(
        'span',
        { class: 'muted' },
        page.total === 0
          ? ' no jobs match '
          : ` ${count(state.offset + 1)}–${count(last)} of ${count(page.total)} `,
      ),
      h(
        'button',
        { type: 'button', disabled: last >= page.total, onclick: go(state.offset + PAGE) },
        'next ›',
      ),
    );
  }

  const changed = () => {
    state.status = status.value;
    state.task = task.value.trim();
    state.q = search.value.trim();
    state.sort = sort.value;
    state.order = order.value;
    state.offset = 0;
    load();
  };
  let typing;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(changed, 250);
  });
  for (const el of [status, sort, order]) el.addEventListener('change', changed);
  task.addEventListener('change', changed);

  return {
    element,
    load,
    filter(values) {
      if (values.status !== undefined) status.value = values.status;
      if (values.task !== undefined) task.value = values.task;
      changed();
      element.scrollIntoView({ block: 'start' });
    },
  };
}
