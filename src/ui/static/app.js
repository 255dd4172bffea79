// The dashboard page: a hash router over three views (executions, one execution, one job) and the
// live event stream that keeps the current view up to date.
import { h, fill } from './dom.js';
import { executionsView } from './executions.js';
import { executionView } from './execution.js';
import { jobView } from './job.js';

const main = document.getElementById('main');
const liveBadge = document.getElementById('live');
const banner = document.getElementById('banner');
let current = { close() {}, onLive() {} };

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const parts = hash.split('/').filter(Boolean).map(decodeURIComponent);
  current.close();
  fill(main);
  if (parts[0] === 'executions' && parts[1]) current = executionView(main, parts[1]);
  else if (parts[0] === 'jobs' && parts[1]) current = jobView(main, parts[1]);
  else if (parts.length === 0) current = executionsView(main);
  else {
    fill(main, h('p', { class: 'error' }, `No page ${hash}.`), h('a', { href: '#/' }, 'Executions'));
    current = { close() {}, onLive() {} };
  }
}

function connect() {
  const events = new EventSource('/api/events');
  const status = (text, cls) => {
    liveBadge.textContent = text;
    liveBadge.className = `live ${cls}`;
  };
  let connected = false;
  events.addEventListener('hello', (event) => {
    const { live } = JSON.parse(event.data);
    status(live === 'events' ? 'live (run events)' : 'live', 'on');
    // After a reconnection the view may have missed changes; on the first hello it has just loaded.
    if (connected) current.onLive({ type: 'reconnected' });
    connected = true;
  });
  for (const type of ['execution', 'job']) {
    events.addEventListener(type, (event) => current.onLive(JSON.parse(event.data)));
  }
  events.addEventListener('closed', () => {
    events.close();
    // The server is gone: the view stops asking it for anything.
    current.close();
    current = { close() {}, onLive() {} };
    status('closed', 'off');
    banner.hidden = false;
    banner.textContent =
      'The run has ended and its dashboard has closed. Run "baton ui" to browse its records.';
  });
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) status('disconnected', 'off');
    else status('reconnecting…', 'off');
  });
}

window.addEventListener('hashchange', route);
route();
connect();
