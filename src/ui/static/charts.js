// The per-task summary table and the histogram of task durations (SVG built element by element).
import { h, svg, fill, grid } from './dom.js';
import { count, duration, percent } from './format.js';

const WIDTH = 640;
const HEIGHT = 160;
const AXIS = 34;

export function taskTable(tasks, onPick) {
  const statuses = ['done', 'cached', 'failed', 'running', 'queued', 'cancelled'];
  return grid(
    'tasks',
    ['task', 'jobs', ...statuses, 'cache hits', 'p50', 'p95', 'max'],
    h(
      'tbody',
      {},
      tasks.map((t) =>
        h(
          'tr',
          {},
          h(
            'td',
            {},
            h('button', { type: 'button', class: 'link', onclick: () => onPick(t.taskName) }, t.taskName),
          ),
          h('td', { class: 'num' }, count(t.jobs)),
          statuses.map((s) => h('td', { class: `num ${t.counts[s] ? s : ''}` }, count(t.counts[s]))),
          h('td', { class: 'num' }, percent(t.jobs ? t.counts.cached / t.jobs : null)),
          h('td', { class: 'num' }, duration(t.durations?.p50)),
          h('td', { class: 'num' }, duration(t.durations?.p95)),
          h('td', { class: 'num' }, duration(t.durations?.max)),
        ),
      ),
    ),
  );
}

function boundLabel(bounds, i) {
  const upper = bounds[i];
  if (upper === -1) return `>${duration(bounds[i - 1])}`;
  return `≤${duration(upper)}`;
}

/** The histogram of one task's durations (or all, `*`), with a selector. */
export function histogram(container, summary, selected = '*') {
  const { bounds, counts } = summary.histogram;
  const select = h(
    'select',
    { 'aria-label': 'task for the histogram' },
    Object.keys(counts).map((task) =>
      h('option', { value: task, selected: task === selected }, task === '*' ? 'all tasks' : task),
    ),
  );
  const chart = h('div', { class: 'histogram' });
  const render = (task) => {
    const values = counts[task] ?? [];
    if (values.length === 0)
      return fill(chart, h('p', { class: 'muted' }, 'No job has finished running yet.'));
    const max = Math.max(1, ...values);
    const barWidth = (WIDTH - AXIS) / values.length;
    const plot = svg('svg', {
      viewBox: `0 0 ${WIDTH} ${HEIGHT + 30}`,
      class: 'histogram-svg',
      role: 'img',
      'aria-label': `durations of ${task}`,
    });
    values.forEach((n, i) => {
      const height = (n / max) * HEIGHT;
      const x = AXIS + i * barWidth;
      plot.append(
        svg(
          'rect',
          { x: x + 1, y: HEIGHT - height, width: Math.max(1, barWidth - 2), height, class: 'bar' },
          svg('title', {}, `${boundLabel(bounds, i)}: ${n} jobs`),
        ),
        svg(
          'text',
          { x: x + barWidth / 2, y: HEIGHT + 14, class: 'tick', 'text-anchor': 'middle' },
          boundLabel(bounds, i),
        ),
      );
      if (n > 0)
        plot.append(
          svg(
            'text',
            { x: x + barWidth / 2, y: HEIGHT - height - 3, class: 'value', 'text-anchor': 'middle' },
            String(n),
          ),
        );
    });
    plot.append(
      svg('text', { x: 0, y: 12, class: 'tick' }, `${max}`),
      svg('line', { x1: AXIS, y1: HEIGHT, x2: WIDTH, y2: HEIGHT, class: 'axis' }),
    );
    fill(chart, plot);
  };
  select.addEventListener('change', () => render(select.value));
  fill(container, h('label', {}, 'Durations of ', select), chart);
  render(counts[selected] ? selected : '*');
  return { select: (task) => ((select.value = task), render(task)) };
}
