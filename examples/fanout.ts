// Fan-out / fan-in: many independent calls, then one that needs them all. Run it with
//   npx baton run examples/fanout.ts main --n 200
// A second run is served from the cache. `main(n)` is cached under its own hash (main's name and
// source text, and n) with its final value, so editing only `square` reruns nothing. Once `main`
// changes too (or has `cache: false`), its calls are looked up one by one: the squares run again with
// the new `square`, and `total` only if the squares' values changed.
import { task } from 'baton';

export const square = task('square', (x: number) => x * x);

export const total = task('total', (values: number[]) => values.reduce((sum, v) => sum + v, 0));

export const main = task('main', (n: number = 100) => {
  const squares = Array.from({ length: n }, (_, i) => square(i));
  return total(squares); // an array of expressions is accepted where an array of values is
});
