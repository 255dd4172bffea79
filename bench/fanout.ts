// Benchmarks 1–3: 100,000 trivial tasks fanned out through the scheduler on local threads, beside
// Piscina running the same function in the same process, trial after trial in turn (so a noisy
// moment of the machine falls on both sides).
//   node --conditions=baton-source bench/fanout.ts none      # 1: cache none, no provenance (and with it, for reference)
//   node --conditions=baton-source bench/fanout.ts backend   # 2 and 3: backend cache + provenance, then re-runs
import {
  benchProject,
  checkIncremented,
  median,
  piscinaPool,
  piscinaThroughput,
  report,
  schedulerIn,
  timed,
  WORKERS,
} from './harness.ts';
import { fanOut } from './workflow.ts';
import type { RunOptions } from '../src/index.ts';

const N = Number(process.env.BENCH_TASKS ?? 100_000);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const mode = process.argv[2] ?? 'none';
if (mode !== 'none' && mode !== 'backend') throw new Error(`usage: fanout.ts none|backend (got ${mode})`);

/** One trial in a fresh project (empty store), on a scheduler warmed by a small run of other calls. */
type Variant = RunOptions & { dryRun?: false };

async function batonTrial(options: Variant): Promise<{ rate: number; dir: string; firstMs: number }> {
  const dir = benchProject();
  const scheduler = schedulerIn(dir);
  try {
    checkIncremented(await scheduler.run(fanOut(1000, -1000), options), 1000, -1000);
    // Timed until the records are committed, not only until the value is back.
    const { ms, value } = await timed(async () => {
      const result = await scheduler.run(fanOut(N, 0), options);
      await scheduler.flush();
      return result;
    });
    checkIncremented(value, N, 0);
    return { rate: N / (ms / 1000), dir, firstMs: ms };
  } finally {
    await scheduler.close();
  }
}

const variants: Variant[] =
  mode === 'none' ? [{ cache: 'none', provenance: false }, { cache: 'none' }] : [{ cache: 'backend' }];
const pool = piscinaPool();
const piscinaRates: number[] = [];
const trials: Array<Array<Awaited<ReturnType<typeof batonTrial>>>> = variants.map(() => []);
try {
  await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run(i, { name: 'inc' }))); // warm
  for (let t = 0; t < TRIALS; t++) {
    piscinaRates.push(await piscinaThroughput(pool, N));
    for (let v = 0; v < variants.length; v++) trials[v]!.push(await batonTrial(variants[v]!));
  }
} finally {
  await pool.destroy();
}
const piscinaRate = median(piscinaRates);
const batonRate = median(trials[0]!.map((trial) => trial.rate));
const fmt = (rate: number) => `${Math.round(rate).toLocaleString('en-US')} tasks/s`;
const setting = `${N.toLocaleString('en-US')} tasks, ${WORKERS} threads, median of ${TRIALS}`;

if (mode === 'none') {
  const recordedRate = median(trials[1]!.map((trial) => trial.rate));
  report({
    name: '1. fan-out, cache none',
    detail:
      `Baton ${fmt(batonRate)} (provenance off) vs Piscina ${fmt(piscinaRate)}; with provenance on ` +
      `${fmt(recordedRate)} = ${(recordedRate / piscinaRate).toFixed(2)}x (${setting})`,
    value: batonRate / piscinaRate,
    unit: 'x Piscina',
    target: { min: 2 },
  });
} else {
  report({
    name: '2. fan-out, backend cache + provenance',
    detail: `Baton ${fmt(batonRate)} vs Piscina ${fmt(piscinaRate)} (${setting})`,
    value: batonRate / piscinaRate,
    unit: 'x Piscina',
    target: { min: 1 },
  });
  // 3: the same workflow again, from a new scheduler on the same store, as a second `baton run` would.
  const first = trials[0]![trials[0]!.length - 1]!;
  const rerun = async (expr: ReturnType<typeof fanOut>) => {
    const scheduler = schedulerIn(first.dir);
    try {
      const { ms, value } = await timed(async () => {
        const result = await scheduler.run(expr);
        await scheduler.flush();
        return result;
      });
      checkIncremented(value, N, 0);
      return ms;
    } finally {
      await scheduler.close();
    }
  };
  const reruns: number[] = [];
  for (let t = 0; t < TRIALS; t++) reruns.push(await rerun(fanOut(N, 0)));
  const cachedMs = median(reruns);
  report({
    name: '3. re-run fully cached',
    detail: `first run ${first.firstMs.toFixed(0)} ms, re-run ${cachedMs.toFixed(1)} ms (the fan-out call is one cache hit)`,
    value: first.firstMs / cachedMs,
    unit: 'x faster',
    target: { min: 10 },
  });
  // The fan-out task edited (a new version): it runs again, and each of its 100k calls is a cache hit.
  const editedMs = await rerun(fanOut.options({ version: 'edited' })(N, 0));
  report({
    name: '3b. re-run after editing the fan-out task',
    detail: `first run ${first.firstMs.toFixed(0)} ms, re-run ${editedMs.toFixed(0)} ms (${N.toLocaleString('en-US')} cache hits)`,
    value: first.firstMs / editedMs,
    unit: 'x faster',
    target: { min: 1 },
  });
}
