// Mixes executors: `count` runs in child processes, the rest on threads. Run it from this folder:
//   cd examples/mixed && npx baton run workflow.ts main --upTo 200000
import { task } from 'baton';

/** CPU-bound: counts primes below `limit` (runs in a child process). */
export const countPrimes = task(
  'countPrimes',
  (from: number, to: number) => {
    let count = 0;
    for (let n = Math.max(2, from); n < to; n++) {
      let prime = true;
      for (let d = 2; d * d <= n; d++)
        if (n % d === 0) {
          prime = false;
          break;
        }
      if (prime) count++;
    }
    return { from, to, count, pid: process.pid };
  },
  { executor: 'procs' },
);

export const summarize = task('summarize', (parts: Array<{ count: number; pid: number }>) => ({
  primes: parts.reduce((sum, p) => sum + p.count, 0),
  processes: new Set(parts.map((p) => p.pid)).size,
}));

export const main = task('main', (upTo: number = 100_000, chunks: number = 8) => {
  const step = Math.ceil(upTo / chunks);
  const parts = Array.from({ length: chunks }, (_, i) =>
    countPrimes(i * step, Math.min(upTo, (i + 1) * step)),
  );
  return summarize(parts);
});
