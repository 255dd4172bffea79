// Time to first render of a 10,000-job execution in the dashboard, measured in headless Chromium:
// from the start of navigation to the moment the execution's head and first page of jobs are on
// screen (the page's `baton:first-render` mark). The browser first opens the executions list once
// (so its own start-up is not counted); the first visit of the execution is reported apart from the
// median of the next ones. Needs chromium (apt-get install -y chromium).
//   node --conditions=baton-source bench/ui.ts [JOBS]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/index.ts';
import { startDashboard } from '../src/ui/index.ts';
import { launchChromium } from '../test/services/ui/browser.ts';
import { recordExecution } from '../test/ui/history.ts';
import { median, report } from './harness.ts';

const JOBS = Number(process.argv[2] ?? 10_000);
const TRIALS = 7;

const dir = mkdtempSync(join(tmpdir(), 'baton-bench-ui-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const store = new SqliteStore({ path: join(dir, 'baton.db') });
await store.open();
const { execution } = recordExecution(store, { children: JOBS - 1 });
await store.flush();
const dashboard = await startDashboard({ store, port: 0 });

const context = await launchChromium(join(dir, 'profile'));

async function firstRender(): Promise<{ ms: number; rows: number }> {
  const page = await context.newPage();
  try {
    await page.goto(`${dashboard.url}#/executions/${execution.id}`);
    await page.locator('body[data-ready="execution"]').waitFor({ state: 'attached', timeout: 60_000 });
    const ms = (await page.evaluate(
      "performance.getEntriesByName('baton:first-render')[0].startTime",
    )) as number;
    const rows = await page.locator('.jobs-table tbody tr').count();
    const total = await page.locator('p.counts').innerText();
    if (rows !== Math.min(100, JOBS) || !total.includes(`${JOBS.toLocaleString('en')} jobs`)) {
      throw new Error(
        `the page shows ${rows} rows and '${total}', expected ${Math.min(100, JOBS)} rows of ${JOBS} jobs`,
      );
    }
    return { ms, rows };
  } finally {
    await page.close();
  }
}

try {
  const warmUp = await context.newPage();
  await warmUp.goto(dashboard.url);
  await warmUp.locator('body[data-ready="executions"]').waitFor({ state: 'attached', timeout: 60_000 });
  await warmUp.close();
  const cold = await firstRender();
  const warm: number[] = [];
  for (let i = 1; i < TRIALS; i++) warm.push((await firstRender()).ms);
  const typical = median(warm);
  report({
    name: `dashboard first render, ${JOBS.toLocaleString('en')}-job execution`,
    detail:
      `median ${typical.toFixed(0)} ms over ${warm.length} visits (min ${Math.min(...warm).toFixed(0)}, ` +
      `max ${Math.max(...warm).toFixed(0)}); the first visit ${cold.ms.toFixed(0)} ms`,
    value: typical,
    unit: ' ms',
    target: { max: 1_000 },
  });
} finally {
  await context.close();
  await dashboard.close();
  await store.close();
}
