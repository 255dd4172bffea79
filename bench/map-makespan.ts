// Map makespans: 1,000 tasks that each hold a worker 50 ms, on N worker threads, against the ideal
// 1000 x 50 ms / N; then the same with 2% of the items 20x slower on their first attempt, with
// speculation (the default) and without.
//   node --conditions=baton-source bench/map-makespan.ts [workers]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapAll, Scheduler, type MapOptions } from '../src/index.ts';
import { report, timed } from './harness.ts';
import { hold, type TimedItem } from './workflow.ts';

const WORKERS = Number(process.argv[2] ?? 8);
const N = 1000;
const MS = 50;
const dir = mkdtempSync(join(tmpdir(), 'baton-bench-makespan-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
async function makespan(stragglers: boolean, options: Omit<MapOptions, 'errors'>): Promise<number> {
  const name = `run-${runs++}`;
  const markers = join(dir, `${name}-markers`);
  mkdirSync(markers);
  const scheduler = new Scheduler({
    cwd: dir,
    config: {
      file: undefined,
      root: dir,
      backend: { db: `sqlite:${join(dir, `${name}.db`)}`, valuesDir: join(dir, `${name}-values`) },
      executors: { default: { type: 'local', mode: 'threads', max_workers: WORKERS } },
    },
  });
  try {
    const warm = Array.from({ length: WORKERS * 2 }, (_, i) => ({
      i: -1 - i,
      ms: 1,
      slowMs: 1,
      straggler: false,
      markers,
    }));
    await mapAll(hold, warm, { scheduler, speculation: false });
    // Every 50th item straggles: 2%, spread over the run.
    const items: TimedItem[] = Array.from({ length: N }, (_, i) => ({
      i,
      ms: MS,
      slowMs: MS * 20,
      straggler: stragglers && i % 50 === 25,
      markers,
    }));
    const { ms, value } = await timed(() => mapAll(hold, items, { ...options, scheduler, ordered: false }));
    if (value.length !== N) throw new Error(`expected ${N} results, got ${value.length}`);
    return ms;
  } finally {
    await scheduler.close();
  }
}

const ideal = (N * MS) / WORKERS;
const plain = await makespan(false, {});
report({
  name: `map makespan, ${N} tasks of ${MS} ms on ${WORKERS} workers`,
  detail: `${plain.toFixed(0)} ms against the ideal ${ideal.toFixed(0)} ms`,
  value: plain / ideal,
  unit: 'x ideal',
  target: { max: 1.1 },
});
const withSpeculation = await makespan(true, {});
const without = await makespan(true, { speculation: false });
report({
  name: 'map makespan with 2% stragglers (20x slower)',
  detail:
    `speculation ${withSpeculation.toFixed(0)} ms, without ${without.toFixed(0)} ms, ` +
    `straggler-free ${plain.toFixed(0)} ms`,
  value: withSpeculation / plain,
  unit: 'x straggler-free',
  target: { max: 1.3 },
});
