// Benchmark 4: a graph of 1,000,000 calls (one fan-out task returning a million calls) evaluated by
// one scheduler process on local threads, with the default cache and provenance; prints peak RSS.
//   node --conditions=baton-source bench/graph-memory.ts [calls]
import { benchProject, checkIncremented, report, schedulerIn, timed, WORKERS } from './harness.ts';
import { fanOut } from './workflow.ts';

const CALLS = Number(process.argv[2] ?? 1_000_000);
const dir = benchProject();
const scheduler = schedulerIn(dir);
try {
  const { ms, value } = await timed(() => scheduler.run(fanOut(CALLS, 0)));
  checkIncremented(value, CALLS, 0);
  // maxRSS covers the whole process: the scheduler, its store writer thread and the worker threads.
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  report({
    name: '4. graph of 1M calls',
    detail: `${(CALLS + 1).toLocaleString('en-US')} calls in ${(ms / 1000).toFixed(1)} s on ${WORKERS} threads, peak RSS ${peakMiB.toFixed(0)} MiB`,
    value: peakMiB,
    unit: ' MiB',
    target: { max: 1536 },
  });
} finally {
  await scheduler.close();
}
