// Diagnostic, not a ratio against a target: the scheduler's own cost per run() of one trivial call,
// with an executor that answers at once on the scheduler's thread, so that no hand-off to a worker is
// measured; with provenance recorded and without, in blocks that take turns.
//   node --conditions=baton-source bench/sched-overhead.ts [rounds]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeValue, encodeValue } from '../src/codec/index.ts';
import {
  registerExecutor,
  Scheduler,
  type Executor,
  type JobOutcome,
  type JobRequest,
} from '../src/index.ts';
import { percentile } from './harness.ts';
import { inc } from './workflow.ts';

const ROUNDS = Number(process.argv[2] ?? 20_000);
const WARMUP = 2_000;
const BLOCK = 100;

/** Runs each job on the calling thread at once: what is left of a round trip is the scheduler's work. */
class InlineExecutor implements Executor {
  readonly name: string;
  readonly maxInFlight = 1_000;

  constructor(name: string) {
    this.name = name;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  describe(): Record<string, unknown> {
    return {};
  }

  async run(job: JobRequest): Promise<JobOutcome> {
    const [x] = decodeValue(job.args) as [number];
    return { ok: true, value: encodeValue(x + 1) };
  }
}

registerExecutor('bench-inline', (name) => new InlineExecutor(name));
const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'baton.toml'), `[executors.default]\ntype = "bench-inline"\n`);
const scheduler = new Scheduler({ config: join(dir, 'baton.toml'), cwd: dir });

const recorded: number[] = [];
const unrecorded: number[] = [];
for (let from = -WARMUP; from < ROUNDS; from += BLOCK) {
  for (const provenance of [true, false]) {
    for (let i = from; i < from + BLOCK; i++) {
      const began = performance.now();
      const value = await scheduler.run(inc(i), { cache: 'none', provenance });
      const took = (performance.now() - began) * 1000;
      if (value !== i + 1) throw new Error(`round ${i} returned ${value}`);
      if (i >= 0) (provenance ? recorded : unrecorded).push(took);
    }
    // Records are committed between blocks, as bench/round-trip.ts does.
    await scheduler.flush();
  }
}
await scheduler.close();
const us = (values: number[], p: number) => `${percentile(values, p).toFixed(1)} µs`;
console.log(
  `scheduler's own work per run(): p50 ${us(recorded, 50)}, p90 ${us(recorded, 90)} with provenance; ` +
    `p50 ${us(unrecorded, 50)}, p90 ${us(unrecorded, 90)} without (${ROUNDS} rounds each)`,
);
