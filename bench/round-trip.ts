// Benchmark 5: one trivial task's round trip (call to result) on a warm threads executor, beside a
// single Piscina run() of the same function.
//   node --conditions=baton-source bench/round-trip.ts [rounds]
import { median, percentile, piscinaPool, report, schedulerIn, benchProject } from './harness.ts';
import { inc } from './workflow.ts';

const ROUNDS = Number(process.argv[2] ?? 2000);
const WARMUP = 200;

async function latencies(once: (i: number) => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = -WARMUP; i < ROUNDS; i++) {
    const began = performance.now();
    const value = await once(i);
    const took = performance.now() - began;
    if (value !== i + 1) throw new Error(`round ${i} returned ${value}`);
    if (i >= 0) times.push(took * 1000);
  }
  return times;
}

const pool = piscinaPool();
const piscina = await latencies((i) => pool.run(i, { name: 'inc' }) as Promise<number>);
await pool.destroy();

// Cache none: every round really runs the task (with its provenance recorded), nothing is served from the cache.
const scheduler = schedulerIn(benchProject());
const baton = await latencies((i) => scheduler.run(inc(i), { cache: 'none' }));
await scheduler.close();

const us = (values: number[], p: number) => `${percentile(values, p).toFixed(0)} µs`;
report({
  name: '5. one-task round trip',
  detail:
    `p50 Baton ${us(baton, 50)} vs Piscina ${us(piscina, 50)}; p90 ${us(baton, 90)} vs ${us(piscina, 90)} ` +
    `(${ROUNDS} rounds after ${WARMUP} warm-up)`,
  value: median(baton) / median(piscina),
  unit: 'x Piscina p50',
  target: { max: 1.5 },
});
