// Compile-time checks of task typing; `npm run typecheck` fails if any expectation breaks.
import { catchError, cond, seq, task, type Expr } from '../../src/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

const rows = task('rows', (n: number) => Array.from({ length: n }, (_, i) => ({ id: i })));
const train = task('train', async (data: Array<{ id: number }>, C: number) => ({ weights: data.length * C }));
const score = task(
  'score',
  (data: Array<{ id: number }>, model: { weights: number }) => model.weights / data.length,
);
export const main = task('main', (n: number, C = 1.0) => {
  const data = rows(n);
  return score(data, train(data, C));
});

expectType<Equal<ReturnType<typeof rows>, Expr<Array<{ id: number }>>>>();
// a promise result is unwrapped
expectType<Equal<ReturnType<typeof train>, Expr<{ weights: number }>>>();
// a task returning an expression has the expression's value type
expectType<Equal<ReturnType<typeof main>, Expr<number>>>();
// a task returning an array (or object) of expressions has the evaluated values' type
export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => rows(i)));
expectType<Equal<ReturnType<typeof fan>, Expr<Array<Array<{ id: number }>>>>>();
export const pair = task('pair', async (n: number) => ({ data: rows(n), size: n }));
expectType<Equal<ReturnType<typeof pair>, Expr<{ data: Array<{ id: number }>; size: number }>>>();
// values, expressions and arrays holding expressions are all accepted
const one = task('one', (i: number) => ({ id: i }));
score([{ id: 1 }, one(2)], { weights: 2 });
train([{ id: 1 }], 0.5);
train(rows(3), score(rows(3), train([], 1)));
score(rows(2), { weights: score([one(1)], { weights: 3 }) });
expectType<Equal<ReturnType<typeof cond<Expr<number>, string>>, Expr<number | string>>>();
expectType<Equal<ReturnType<typeof seq<[Expr<number>, string]>>, Expr<[number, string]>>>();
export const safe = catchError(rows(1), () => []);
expectType<Equal<typeof safe, Expr<Array<{ id: number }> | never[]>>>();

// @ts-expect-error wrong argument type
rows('three');
// @ts-expect-error too few arguments
train([{ id: 1 }]);
// @ts-expect-error an expression of the wrong type
train(rows(1), rows(1));
