// One job: its state and times, arguments and result previews, the error with its stack and the
// tail of its log, the task's source and hashes, and for a cache hit the execution that computed it.
import { enc, getJson } from './api.js';
import { h, fill } from './dom.js';
import { duration, time } from './format.js';

export function previewBlock(title, preview) {
  if (!preview) return null;
  if (preview.unavailable)
    return h(
      'section',
      { class: 'preview' },
      h('h3', {}, title),
      h('p', { class: 'muted' }, preview.unavailable),
    );
  return h(
    'section',
    { class: 'preview' },
    h(
      'h3',
      {},
      title,
      h(
        'span',
        { class: 'muted' },
        `${preview.bytes === null ? ' (short form)' : ` ${preview.bytes} bytes`}${preview.truncated ? ', shortened' : ''}`,
      ),
    ),
    h('pre', { class: 'value' }, preview.text),
  );
}

export function errorBlock(error, title = 'Error') {
  return h(
    'section',
    { class: 'error-box' },
    h('h3', {}, title, h('span', { class: 'muted' }, ` (${error.kind})`)),
    h('p', { class: 'error-text' }, `${error.name}: ${error.message}`),
    error.stack ? [h('h4', {}, 'Stack'), h('pre', { class: 'stack' }, error.stack)] : null,
    error.logTail ? [h('h4', {}, 'Log (last lines)'), h('pre', { class: 'log-tail' }, error.logTail)] : null,
    error.props && Object.keys(error.props).length
      ? [h('h4', {}, 'Fields'), h('pre', {}, JSON.stringify(error.props, null, 2))]
      : null,
  );
}

function facts(rows) {
  return h(
    'dl',
    { class: 'facts-list' },
    rows
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
  );
}

const executionLink = (e) =>
  e
    ? h(
        'a',
        { href: `#/executions/${enc(e.id)}` },
        `${e.taskName} · ${e.id} · ${time(e.startedAt)} · ${e.status}`,
      )
    : null;

export function jobView(root, id) {
  let closed = false;
  fill(root, h('p', { class: 'muted' }, 'Loading…'));

  async function load() {
    const d = await getJson(`/api/jobs/${enc(id)}`);
    if (closed) return;
    const j = d.job;
    fill(
      root,
      h(
        'p',
        { class: 'crumbs' },
        d.execution ? executionLink(d.execution) : 'execution not recorded',
        d.parent
          ? [' › called by ', h('a', { href: `#/jobs/${enc(d.parent.id)}` }, d.parent.taskName)]
          : null,
      ),
      h('h1', {}, j.taskName, ' ', h('span', { class: `badge ${j.status}` }, j.status)),
      facts([
        ['job', h('span', { class: 'mono' }, j.id)],
        ['executor', j.executor],
        ['attempt', String(j.attempt)],
        ['queued', time(j.queuedAt)],
        ['started', j.startedAt ? time(j.startedAt) : null],
        ['ended', j.endedAt ? time(j.endedAt) : null],
        ['duration', j.durationMs === null ? null : duration(j.durationMs)],
      ]),
      d.cachedFrom
        ? h(
            'section',
            { class: 'cached-from' },
            h('h3', {}, 'Cache hit'),
            h(
              'p',
              {},
              'Computed by ',
              d.cachedFrom.execution
                ? executionLink(d.cachedFrom.execution)
                : 'an execution no longer recorded',
              d.cachedFrom.jobId
                ? [' (', h('a', { href: `#/jobs/${enc(d.cachedFrom.jobId)}` }, 'its job'), ')']
                : null,
            ),
          )
        : null,
      d.error ? errorBlock(d.error) : null,
      previewBlock('Arguments', d.args),
      previewBlock('Result', d.result),
      h(
        'section',
        { class: 'hashes' },
        h('h3', {}, 'Hashes'),
        facts([
          ['task hash', j.taskHash],
          ['eval hash (cache key)', j.evalHash],
          ['call hash', j.callHash],
          ['arguments', j.argsHash],
          ['result', j.resultHash],
        ]),
      ),
      d.task
        ? h(
            'section',
            { class: 'source' },
            h('h3', {}, 'Task source', h('span', { class: 'muted' }, ` ${d.task.moduleUrl}`)),
            h('pre', { class: 'code' }, d.task.source),
          )
        : h('p', { class: 'muted' }, 'The task source is not recorded.'),
    );
    document.title = `Baton · ${j.taskName} · ${j.status}`;
    document.body.dataset.ready = 'job';
    return j.status;
  }

  let status = null;
  load()
    .then((s) => (status = s))
    .catch((error) => fill(root, h('p', { class: 'error' }, `Cannot load job ${id}: ${error.message}`)));

  return {
    close() {
      closed = true;
    },
    onLive(message) {
      if (status !== 'queued' && status !== 'running') return;
      if (message.type === 'job' ? message.jobId === id : message.type === 'execution')
        load()
          .then((s) => (status = s))
          .catch(() => {});
    },
  };
}
