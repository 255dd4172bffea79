// Shared by the benchmarks: a throwaway project with a threads executor, a Piscina pool of the same
// size, timing helpers, and one way to report a result (a line for people, a JSON line for bench/run.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { Scheduler } from '../src/index.ts';

/** Worker threads on each side: one per core, as both tools do by default. */
export const WORKERS = Number(process.env.BENCH_WORKERS ?? availableParallelism());

/** A project folder with a baton.toml (threads executor, SQLite store inside it); removed on exit. */
export function benchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  writeFileSync(
    join(dir, 'baton.toml'),
    `[executors.default]\ntype = "local"\nmode = "threads"\nmax_workers = ${WORKERS}\n`,
  );
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function schedulerIn(dir: string): Scheduler {
  return new Scheduler({ config: join(dir, 'baton.toml'), cwd: dir });
}

export function piscinaPool(): Piscina {
  return new Piscina({
    filename: new URL('./piscina-task.ts', import.meta.url).href,
    minThreads: WORKERS,
    maxThreads: WORKERS,
  });
}

/** Piscina's throughput in tasks/s: `n` trivial `inc` calls, each its own run(). */
export async function piscinaThroughput(pool: Piscina, n: number): Promise<number> {
  const { ms, value } = await timed(() =>
    Promise.all(Array.from({ length: n }, (_, i) => pool.run(i, { name: 'inc' }) as Promise<number>)),
  );
  checkIncremented(value, n, 0);
  return n / (ms / 1000);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const began = performance.now();
  const value = await fn();
  return { ms: performance.now() - began, value };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Checks a fan-out's result, so a benchmark never times a run that computed the wrong thing. */
export function checkIncremented(values: readonly number[], n: number, from: number): void {
  if (values.length !== n) throw new Error(`expected ${n} results, got ${values.length}`);
  for (let i = 0; i < n; i++) {
    if (values[i] !== from + i + 1) throw new Error(`result ${i} is ${values[i]}, expected ${from + i + 1}`);
  }
}

export interface BenchResult {
  /** Which benchmark, e.g. `1. 100k tasks, cache none`. */
  name: string;
  /** What was measured, as a sentence with the numbers. */
  detail: string;
  /** The figure compared with the target. */
  value: number;
  unit: string;
  /** `value` must be at least (`min`) or at most (`max`) this. */
  target: { min?: number; max?: number };
}

export function met(result: BenchResult): boolean {
  const { min, max } = result.target;
  return (min === undefined || result.value >= min) && (max === undefined || result.value <= max);
}

/** `1.60x Piscina (target >= 2x Piscina)`: the figure beside its target. */
export function againstTarget(result: BenchResult): string {
  const { min, max } = result.target;
  const goal = min !== undefined ? `>= ${min}` : `<= ${max}`;
  const shown = result.value < 10 ? result.value.toFixed(2) : result.value.toFixed(0);
  return `${shown}${result.unit} (target ${goal}${result.unit})`;
}

export function report(result: BenchResult): void {
  console.log(`${result.name}: ${result.detail}`);
  console.log(`  => ${againstTarget(result)} ${met(result) ? 'met' : 'MISSED'}`);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}
