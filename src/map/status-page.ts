// The map status page: one self-contained HTML file (inline CSS and a few lines of inline JS, nothing
// fetched), rendered from a status snapshot. While the map runs, the page reloads itself.
import type { ItemState, MapStatusSnapshot } from './status.ts';

const COLORS: Record<ItemState, string> = {
  done: '#2e9d5b',
  cached: '#6fb6e6',
  running: '#e0a91b',
  queued: '#b8bec6',
  failed: '#d9443b',
  cancelled: '#8a6fb0',
};
const STATES = Object.keys(COLORS) as ItemState[];
/** Seconds between reloads while the map runs (the files are rewritten at most every second). */
const RELOAD_SECONDS = 2;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function ms(value: number | undefined): string {
  if (value === undefined) return '';
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  return `${Math.floor(value / 60_000)} min ${Math.round((value % 60_000) / 1000)} s`;
}

function countsBar(snapshot: MapStatusSnapshot): string {
  const total = Math.max(1, snapshot.counts.items);
  const parts = STATES.filter((state) => snapshot.counts[state] > 0).map(
    (state) =>
      `<span style="width:${((100 * snapshot.counts[state]) / total).toFixed(3)}%;background:${COLORS[state]}" title="${state}: ${snapshot.counts[state]}"></span>`,
  );
  const legend = STATES.map(
    (state) =>
      `<button class="filter" data-state="${state}"><i style="background:${COLORS[state]}"></i>${state} <b>${snapshot.counts[state]}</b></button>`,
  );
  return `<div class="bar">${parts.join('')}</div><div class="legend"><button class="filter on" data-state="">all <b>${snapshot.counts.items}${snapshot.allRead ? '' : '+'}</b></button>${legend.join('')}</div>`;
}

function histogram(snapshot: MapStatusSnapshot): string {
  const most = Math.max(1, ...snapshot.histogram.map((b) => b.count));
  let previous = 0;
  const rows = snapshot.histogram.map(({ upToMs, count }) => {
    const label = upToMs === null ? `> ${ms(previous)}` : `≤ ${ms(upToMs)}`;
    previous = upToMs ?? previous;
    return `<tr><td>${label}</td><td class="num">${count}</td><td class="h"><span style="width:${((100 * count) / most).toFixed(2)}%"></span></td></tr>`;
  });
  return `<table class="hist"><tbody>${rows.join('')}</tbody></table>`;
}

function itemRows(snapshot: MapStatusSnapshot): string {
  return snapshot.items
    .map(
      (item) =>
        `<tr data-state="${item.state}"><td class="num">${item.index}</td><td><i style="background:${COLORS[item.state]}"></i>${item.state}</td><td class="num">${item.attempts}</td><td class="num">${ms(item.runtimeMs)}</td><td><code>${escapeHtml(item.item ?? '')}</code></td><td class="err">${escapeHtml(item.error ?? '')}</td></tr>`,
    )
    .join('\n');
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:18px;margin:0 0 4px}
code{font:12px ui-monospace,monospace}.meta{color:#666;margin-bottom:16px}.state{font-weight:bold}
.bar{display:flex;height:18px;border-radius:4px;overflow:hidden;background:#eee;margin:8px 0}.bar span{display:block}
.legend{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:16px}.filter{border:1px solid #ccc;background:#fff;border-radius:4px;padding:2px 8px;cursor:pointer}
.filter.on{border-color:#333}i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;vertical-align:top}.num{text-align:right}
.hist td.h{width:320px}.hist span{display:block;height:12px;background:#6fb6e6}.items tr:nth-child(even){background:#f6f7f8}
.err{color:#b3261e;white-space:pre-wrap}.error{color:#b3261e;margin:8px 0}`;

const SCRIPT = `document.querySelectorAll('.filter').forEach(function(button){button.addEventListener('click',function(){
var state=button.getAttribute('data-state');document.querySelectorAll('.filter').forEach(function(b){b.classList.toggle('on',b===button)});
document.querySelectorAll('.items tbody tr').forEach(function(row){row.style.display=!state||row.getAttribute('data-state')===state?'':'none'})})});`;

/** The status page for `snapshot`, as a complete HTML document. */
export function renderStatusPage(snapshot: MapStatusSnapshot): string {
  const running = snapshot.state === 'running';
  const elapsed = (snapshot.endedAt ?? snapshot.updatedAt) - snapshot.startedAt;
  const meta = [
    `<span class="state">${snapshot.state}</span>`,
    `started ${new Date(snapshot.startedAt).toISOString()}`,
    `${running ? 'running for' : 'took'} ${ms(elapsed)}`,
    snapshot.executionId ? `execution <code>${escapeHtml(snapshot.executionId)}</code>` : '',
    snapshot.resumeKey ? `resume key <code>${escapeHtml(snapshot.resumeKey)}</code>` : '',
    snapshot.counts.retries > 0 ? `${snapshot.counts.retries} retries` : '',
    `updated ${new Date(snapshot.updatedAt).toISOString()}`,
  ].filter(Boolean);
  const listed =
    snapshot.itemsListed === 'all'
      ? 'every item'
      : `${snapshot.items.length} of ${snapshot.counts.items}: those not finished, the failed and the slowest`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${running ? `<meta http-equiv="refresh" content="${RELOAD_SECONDS}">` : ''}
<title>baton map (${snapshot.state}) — ${escapeHtml(snapshot.title)}</title><style>${STYLE}</style></head>
<body><h1>baton map <code>${escapeHtml(snapshot.title)}</code></h1>
<div class="meta">${meta.join(' · ')}</div>
${snapshot.error ? `<div class="error">${escapeHtml(snapshot.error)}</div>` : ''}
${countsBar(snapshot)}
<h2>Runtimes of jobs that ran</h2>${histogram(snapshot)}
<h2>Items <small>(${listed})</small></h2>
<table class="items"><thead><tr><th>#</th><th>state</th><th>attempts</th><th>runtime</th><th>item</th><th>error</th></tr></thead>
<tbody>
${itemRows(snapshot)}
</tbody></table>
<script>${SCRIPT}</script></body></html>
`;
}
