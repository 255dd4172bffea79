// Fan-out / fan-in: many independent calls, then one that needs them all. Run it with
//   npx baton run examples/fanout.ts main --n 200
// A second run is served from the cache; change `square` and only the squares run again.
import { task } from 'baton';

export const square = task('square', (x: number) => x * x);

export const total = task('total', (values: number[]) => values.reduce((sum, v) => sum + v, 0));

export const main = task('main', (n: number = 100) => {
  const squares = Array.from({ length: n }, (_, i) => square(i));
  return total(squares); // an array of expressions is accepted where an array of values is
});
