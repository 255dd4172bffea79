// map over 100,000 trivial items on local threads, beside Piscina running the same function once per
// item in the same process, trial after trial in turn. Baton's map runs with the default cache and
// provenance on, in chunks of CHUNK items per job (each chunk a cached call); chunkSize 1 is printed
// beside it for reference, in input order and in completion order (`ordered: false`).
//   node --conditions=baton-source bench/map.ts [chunkSize]
import { map, mapAll, type MapOptions } from '../src/index.ts';
import {
  benchProject,
  checkIncremented,
  median,
  piscinaPool,
  piscinaThroughput,
  report,
  schedulerIn,
  timed,
} from './harness.ts';
import { inc } from './workflow.ts';

const N = Number(process.env.BENCH_TASKS ?? 100_000);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const CHUNK = Number(process.argv[2] ?? 1000);

/** One map in a fresh project (empty store), timed until its records are committed. */
async function batonTrial(options: Omit<MapOptions, 'errors'>, n = N): Promise<number> {
  const scheduler = schedulerIn(benchProject());
  try {
    await mapAll(
      inc,
      Array.from({ length: 100 }, (_, i) => -1000 + i),
      { scheduler },
    ); // warm the workers
    const items = Array.from({ length: n }, (_, i) => i);
    const { ms, value } = await timed(async () => {
      let results: number[];
      if (options.ordered === false) {
        results = [];
        for await (const result of map(inc, items, { ...options, scheduler })) results.push(result);
        results.sort((a, b) => a - b);
      } else results = await mapAll(inc, items, { ...options, scheduler });
      await scheduler.flush();
      return results;
    });
    checkIncremented(value, n, 0);
    return n / (ms / 1000);
  } finally {
    await scheduler.close();
  }
}

const pool = piscinaPool();
const piscina: number[] = [];
const chunked: number[] = [];
try {
  await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run(i, { name: 'inc' })));
  for (let trial = 0; trial < TRIALS; trial++) {
    piscina.push(await piscinaThroughput(pool, N));
    chunked.push(await batonTrial({ chunkSize: CHUNK }));
  }
} finally {
  await pool.destroy();
}
const single = await batonTrial({ chunkSize: 1 }, 20_000);
const unordered = await batonTrial({ chunkSize: 1, ordered: false }, 20_000);

const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} items/s`;
report({
  name: `map over ${N.toLocaleString('en-US')} items, chunkSize ${CHUNK}`,
  detail:
    `Baton ${rate(median(chunked))}, Piscina ${rate(median(piscina))} (median of ${TRIALS}); ` +
    `chunkSize 1 (20,000 items): ${rate(single)}, in completion order ${rate(unordered)}`,
  value: median(chunked) / median(piscina),
  unit: 'x Piscina',
  target: { min: 3 },
});
