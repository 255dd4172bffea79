// The tasks the benchmarks run: trivial on purpose, so what is measured is the machinery around them.
import { writeFileSync } from 'node:fs';
import { task } from '../src/index.ts';

export const inc = task('bench.inc', (x: number) => x + 1);

/** Fans out `n` calls of `inc` (on from, from + 1, ...); the scheduler evaluates the returned array. */
export const fanOut = task('bench.fanOut', (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => inc(from + i)),
);

export interface TimedItem {
  i: number;
  ms: number;
  /** Milliseconds of the first attempt of a straggler. */
  slowMs: number;
  straggler: boolean;
  /** A folder where each straggler's first attempt leaves a marker, so later attempts run at normal speed. */
  markers: string;
}

const blocker = new Int32Array(new SharedArrayBuffer(4));

/** Holds its worker for `ms` (as CPU work would), or `slowMs` on a straggler's first attempt. */
export const hold = task('bench.hold', (item: TimedItem) => {
  let first = false;
  if (item.straggler) {
    try {
      writeFileSync(`${item.markers}/${item.i}`, '', { flag: 'wx' });
      first = true;
    } catch {
      // a later attempt: the machine it runs on is healthy
    }
  }
  Atomics.wait(blocker, 0, 0, first ? item.slowMs : item.ms);
  return item.i;
});
