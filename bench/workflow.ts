// The tasks the benchmarks run: trivial on purpose, so what is measured is the machinery around them.
import { task } from '../src/index.ts';

export const inc = task('bench.inc', (x: number) => x + 1);

/** Fans out `n` calls of `inc` (on from, from + 1, ...); the scheduler evaluates the returned array. */
export const fanOut = task('bench.fanOut', (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => inc(from + i)),
);
