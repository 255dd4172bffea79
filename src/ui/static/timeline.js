// The timeline: one band of lanes per executor, a bar per job from start to end, drawn on a canvas
// (10,000 bars stay quick); clicking a bar opens the job.
import { h } from './dom.js';
import { duration } from './format.js';

const LANE = 7;
const GAP = 1;
const LABEL = 18;
const COLORS = {
  queued: '#9aa0a6',
  running: '#1a73e8',
  done: '#188038',
  cached: '#8e44ad',
  failed: '#d93025',
  cancelled: '#e37400',
};

export function timelineChart() {
  const canvas = h('canvas', {
    class: 'timeline',
    role: 'img',
    'aria-label': 'timeline of jobs per executor',
  });
  const caption = h('p', { class: 'muted' });
  const element = h('div', { class: 'timeline-box' }, canvas, caption);
  let data = null;
  let layout = [];

  function draw() {
    if (!data) return;
    const width = Math.max(300, element.clientWidth || 800);
    const height = data.groups.reduce((sum, g) => sum + LABEL + g.lanes * (LANE + GAP), 0) + 4;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = Math.max(1, height) * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const scale = data.span > 0 ? (width - 4) / data.span : 0;
    layout = [];
    let y = 0;
    for (const group of data.groups) {
      g.fillStyle = '#3c4043';
      g.font = '12px system-ui, sans-serif';
      g.fillText(`${group.executor} (${group.bars.length / 5} jobs)`, 2, y + 13);
      y += LABEL;
      const top = y;
      for (let i = 0; i < group.bars.length; i += 5) {
        const [index, lane, from, to, status] = group.bars.slice(i, i + 5);
        const x = 2 + from * scale;
        const w = Math.max(1, (to - from) * scale);
        const by = top + lane * (LANE + GAP);
        g.fillStyle = COLORS[data.statuses[status]] ?? '#000';
        g.fillRect(x, by, w, LANE);
        layout.push([x, by, w, index, from, to]);
      }
      y = top + group.lanes * (LANE + GAP);
    }
    caption.textContent = data.ids.length
      ? `${data.ids.length} jobs over ${duration(data.span)} · click a bar to open its job`
      : 'No job has started yet (cache hits run nothing and have no bar).';
  }

  canvas.addEventListener('click', (event) => {
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    for (const [bx, by, bw, index] of layout) {
      if (x >= bx - 1 && x <= bx + bw + 1 && y >= by && y <= by + LANE) {
        location.hash = `#/jobs/${encodeURIComponent(data.ids[index])}`;
        return;
      }
    }
  });

  return {
    element,
    show(timeline) {
      data = timeline;
      draw();
    },
  };
}
