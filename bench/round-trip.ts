// Benchmark 5: one trivial task's round trip (call to result) on a warm threads executor, beside a
// single Piscina run() of the same function.
//   node --conditions=baton-source bench/round-trip.ts [rounds]
//   node --conditions=baton-source bench/round-trip.ts [rounds] --baton-only   # Baton's latencies alone,
//     without Piscina's blocks in between: for comparing two versions of Baton run one after another
import { median, percentile, piscinaPool, report, schedulerIn, benchProject } from './harness.ts';
import { inc } from './workflow.ts';
import type { Scheduler } from '../src/index.ts';

const batonOnly = process.argv.includes('--baton-only');
const ROUNDS = Number(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 2000);
const WARMUP = 200;

const BLOCK = 100;

/**
 * Round trips in blocks of BLOCK, Piscina's and Baton's in turn, so the machine's drift over the run
 * falls on both; Baton's records are committed after each of its blocks, so its writer thread never
 * runs during Piscina's.
 */
async function latencies(
  piscinaOnce: (i: number) => Promise<number>,
  batonOnce: (i: number) => Promise<number>,
  scheduler: Scheduler,
) {
  const piscina: number[] = [];
  const baton: number[] = [];
  const block = async (once: (i: number) => Promise<number>, from: number, into: number[]) => {
    for (let i = from; i < from + BLOCK; i++) {
      const began = performance.now();
      const value = await once(i);
      const took = performance.now() - began;
      if (value !== i + 1) throw new Error(`round ${i} returned ${value}`);
      if (i >= 0) into.push(took * 1000);
    }
  };
  for (let from = -WARMUP; from < ROUNDS; from += BLOCK) {
    await block(piscinaOnce, from, piscina);
    await block(batonOnce, from, baton);
    await scheduler.flush();
  }
  return { piscina, baton };
}

if (batonOnly) {
  const scheduler = schedulerIn(benchProject());
  const { baton } = await latencies(
    async (i) => i + 1,
    (i) => scheduler.run(inc(i), { cache: 'none' }),
    scheduler,
  );
  await scheduler.close();
  const us = (p: number) => `${percentile(baton, p).toFixed(0)} µs`;
  console.log(`Baton alone: p50 ${us(50)}, p90 ${us(90)} (${ROUNDS} rounds after ${WARMUP} warm-up)`);
  process.exit(0);
}

const pool = piscinaPool();
// Cache none: every round really runs the task (its provenance written behind it), none is served from the cache.
const scheduler = schedulerIn(benchProject());
const { piscina, baton } = await latencies(
  (i) => pool.run(i, { name: 'inc' }) as Promise<number>,
  (i) => scheduler.run(inc(i), { cache: 'none' }),
  scheduler,
);
await pool.destroy();
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
