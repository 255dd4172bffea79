// The Slurm executor against a fake Slurm (sbatch, squeue, scancel in memory): a burst goes out as
// one array job, a restart reunites by the records in scratch, and Slurm's verdicts become outcomes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { decodeValue, encodeValue } from '../../../src/codec/index.ts';
import { ExecutorError } from '../../../src/errors.ts';
import type { ExecutorContext, JobRequest } from '../../../src/executors/index.ts';
import {
  SlurmExecutor,
  resolveSlurmOptions,
  type QueueEntry,
  type SbatchResult,
  type SlurmClient,
  type SlurmRecord,
} from '../../../src/executors/slurm/index.ts';
import { openScratch } from '../../../src/scratch/index.ts';
import { resolveTaskOptions } from '../../../src/task/index.ts';
import { JobFiles } from '../../../src/worker/index.ts';
import { tempProject, writeProjectFile } from '../../config/temp-project.ts';

const quiet = { info: () => {}, warn: () => {}, debug: () => {} };

/** Jobs "run" by writing their outcome into scratch, then showing the state Slurm would show. */
class FakeSlurm implements SlurmClient {
  readonly submissions: string[][] = [];
  readonly cancelled: string[] = [];
  entries: QueueEntry[] = [];
  /** What happens to each submitted job: finish with a value, or end in a state without an outcome. */
  verdict: (evalHash: string) => { value: string } | { state: string } = (hash) => ({
    value: `ran ${hash.slice(0, 6)}`,
  });
  refuse: string | undefined;
  /** What sinfo says the partition has; undefined: sinfo cannot tell. */
  partitionCpus: number | undefined;
  /** The order in which calls wrote their results. */
  readonly finished: string[] = [];
  /** How long a call takes after its result is written, before the next of its element starts. */
  callMs = 20;
  /** When each job or element ended, by Slurm id. */
  readonly endedAt = new Map<string, number>();
  private nextId = 100;
  private readonly scratchDir: string;

  constructor(scratchDir: string) {
    this.scratchDir = scratchDir;
  }

  async queue(): Promise<QueueEntry[]> {
    return this.entries.map((entry) => ({ ...entry }));
  }

  check(): Promise<QueueEntry[]> {
    return this.queue();
  }

  async sbatch(args: string[], script: string): Promise<SbatchResult> {
    if (this.refuse) throw new ExecutorError(`sbatch refused the job: ${this.refuse}`, { retryable: false });
    this.submissions.push(args);
    const jobId = String(this.nextId++);
    const name = args.find((arg) => arg.startsWith('--job-name='))!.slice('--job-name='.length);
    const list = /--list (\S+)/.exec(script)?.[1];
    const elements = list
      ? readFileSync(join(this.scratchDir, list), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' '))
      : [[/--job (\w{64})/.exec(script)![1]!]];
    const scratch = openScratch(this.scratchDir);
    elements.forEach((hashes, index) => {
      const id = list ? `${jobId}_${index}` : jobId;
      const entry: QueueEntry = {
        id,
        state: 'RUNNING',
        name,
        index: list ? index : undefined,
        reason: 'None',
      };
      this.entries.push(entry);
      // An element runs its calls one after another, as oneshot --list does.
      setTimeout(async () => {
        for (const hash of hashes) {
          const verdict = this.verdict(hash);
          if (!('value' in verdict)) {
            entry.state = verdict.state;
            return;
          }
          const outcome = { ok: true as const, value: encodeValue(verdict.value, 'result') };
          await new JobFiles(scratch, hash).finish(outcome, {
            jobId: 'x',
            attempt: 1,
            startedAt: Date.now(),
          });
          this.finished.push(hash);
          await new Promise((resolve) => setTimeout(resolve, this.callMs));
        }
        this.endedAt.set(id, Date.now());
        entry.state = 'COMPLETED';
      }, 20);
    });
    return { jobId };
  }

  async scancel(ids: string[]): Promise<void> {
    this.cancelled.push(...ids);
  }

  async cpus(): Promise<number | undefined> {
    return this.partitionCpus;
  }
}

async function setup(t: Parameters<typeof tempProject>[0], section: Record<string, unknown> = {}) {
  const root = tempProject(t);
  const file = writeProjectFile(root, 'wf.ts', 'export {};\n');
  const fake = new FakeSlurm(join(root, '.baton/scratch'));
  const options = resolveSlurmOptions('hpc', { type: 'slurm', poll_interval: 0.05, ...section });
  const start = async () => {
    const executor = new SlurmExecutor('hpc', options, fake);
    const ctx: ExecutorContext = { cwd: root, root, logger: quiet, emit: () => {} };
    await executor.start(ctx);
    t.after(() => executor.stop());
    return executor;
  };
  let id = 0;
  const job = (i: number, extra: Record<string, unknown> = {}): JobRequest => ({
    jobId: `j${id++}`,
    evalHash: i.toString(16).padStart(64, '0'),
    task: { module: pathToFileURL(file).href, name: 'add', hash: 'b'.repeat(64) },
    args: encodeValue([i]),
    options: resolveTaskOptions({ executor: 'hpc', ...extra }, 'add'),
    attempt: 1,
  });
  return { root, fake, start, job };
}

const never = new AbortController().signal;

describe('slurm executor with a fake Slurm', () => {
  test('a burst of calls goes out as one array job and every call gets its own value', async (t) => {
    const { fake, start, job } = await setup(t);
    const executor = await start();
    const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => executor.run(job(i + 1), never)));
    assert.equal(fake.submissions.length, 1);
    assert.ok(fake.submissions[0]!.includes('--array=0-24'));
    outcomes.forEach((outcome, i) => {
      assert.ok(outcome.ok);
      assert.equal(decodeValue(outcome.value), `ran ${(i + 1).toString(16).padStart(64, '0').slice(0, 6)}`);
    });
  });

  test('on a partition with few CPUs a burst is packed: each element runs several calls, and each call ends when its result is written', async (t) => {
    const { fake, start, job } = await setup(t);
    fake.partitionCpus = 2; // two slots: the burst goes out in four elements
    fake.callMs = 400; // an element runs 2 s: room for a loaded machine to notice call 1 well before
    const executor = await start();
    // What element 0 was doing when each call came back.
    const elementState = new Map<number, { state: string }>();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        executor.run(job(i + 1), never).then((outcome) => {
          const element = fake.entries.find((entry) => entry.id === '100_0');
          elementState.set(i + 1, { state: element?.state ?? 'gone' });
          return outcome;
        }),
      ),
    );
    assert.equal(fake.submissions.length, 1);
    assert.ok(fake.submissions[0]!.includes('--array=0-3'), fake.submissions[0]!.join(' '));
    outcomes.forEach((outcome, i) => {
      assert.ok(outcome.ok);
      assert.equal(decodeValue(outcome.value), `ran ${(i + 1).toString(16).padStart(64, '0').slice(0, 6)}`);
    });
    // Element 0 runs calls 1..5 in order, 400 ms each; call 1 came back while its element still ran,
    // not when the element ended. (How early depends on the machine's load, so only that is checked.)
    assert.equal(elementState.get(1)!.state, 'RUNNING', 'call 1 came back before its element ended');
  });

  test('calls with a time limit are never packed, and calls_per_element packs by count', async (t) => {
    const { fake, start, job } = await setup(t, { calls_per_element: 4 });
    fake.partitionCpus = 2;
    const executor = await start();
    await Promise.all(Array.from({ length: 10 }, (_, i) => executor.run(job(i + 1), never)));
    assert.ok(fake.submissions[0]!.includes('--array=0-2'), 'ten calls, four per element: three elements');

    const auto = await setup(t);
    auto.fake.partitionCpus = 2;
    const limited = await auto.start();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => limited.run(auto.job(i + 1, { timeLimit: 600 }), never)),
    );
    assert.ok(auto.fake.submissions[0]!.includes('--array=0-9'), 'one element per call under a time limit');
  });

  test('cancelling one call of a packed element leaves the element running for the others', async (t) => {
    const { fake, start, job } = await setup(t);
    fake.partitionCpus = 1;
    fake.verdict = () => ({ state: 'RUNNING' }); // elements never finish on their own
    const executor = await start();
    const one = new AbortController();
    const rest = new AbortController();
    const outcomes = Promise.all(
      Array.from({ length: 6 }, (_, i) => executor.run(job(i + 1), i === 0 ? one.signal : rest.signal)),
    );
    while (fake.entries.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    one.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(fake.cancelled, [], 'the element of call 1 still runs calls 2 and 3');
    rest.abort();
    const results = await outcomes;
    assert.ok(results.every((outcome) => !outcome.ok && outcome.error.kind === 'cancelled'));
    assert.deepEqual(fake.cancelled.sort(), ['100_0', '100_1']);
  });

  test('calls with different resources go out as different jobs', async (t) => {
    const { fake, start, job } = await setup(t);
    const executor = await start();
    await Promise.all([
      executor.run(job(1, { memory: 1 }), never),
      executor.run(job(2, { memory: 2 }), never),
    ]);
    assert.equal(fake.submissions.length, 2);
    assert.ok(fake.submissions.every((args) => !args.some((arg) => arg.startsWith('--array'))));
  });

  test('after a restart, a job Slurm still runs is awaited by its record, not submitted again', async (t) => {
    const { root, fake, start, job } = await setup(t);
    fake.verdict = () => ({ state: 'RUNNING' }); // the first scheduler's jobs never finish while it lives
    const first = await start();
    const lost = new AbortController();
    const running = Promise.all([1, 2, 3].map((i) => first.run(job(i), lost.signal)));
    while (fake.entries.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await first.stop(); // the scheduler dies; its jobs stay in Slurm

    const second = await start();
    const outcome = second.run(job(2), never);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(fake.submissions.length, 1, 'nothing submitted again');
    const scratch = openScratch(join(root, '.baton/scratch'));
    const record = JSON.parse(
      readFileSync(join(root, '.baton/scratch/jobs', job(2).evalHash, 'slurm'), 'utf8'),
    ) as SlurmRecord;
    const entry = fake.entries.find((item) => item.id === `${record.jobId}_${record.index}`)!;
    await new JobFiles(scratch, job(2).evalHash).finish(
      { ok: true, value: encodeValue('from the first scheduler', 'result') },
      { jobId: 'x', attempt: 1, startedAt: Date.now() },
    );
    entry.state = 'COMPLETED';
    const done = await outcome;
    assert.ok(done.ok);
    assert.equal(decodeValue(done.value), 'from the first scheduler');
    lost.abort();
    await running;
  });

  test("Slurm's verdicts become outcomes: time limit, memory, node failure", async (t) => {
    const { fake, start, job } = await setup(t);
    const states = ['TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL'];
    fake.verdict = (hash) => ({ state: states[Number.parseInt(hash, 16) - 1]! });
    const executor = await start();
    const outcomes = await Promise.all([1, 2, 3].map((i) => executor.run(job(i, { memory: 1 }), never)));
    const errors = outcomes.map((outcome) => (outcome.ok ? undefined : outcome.error));
    assert.equal(errors[0]?.kind, 'timeout');
    assert.equal(errors[1]?.kind, 'memory');
    assert.match(errors[1]!.message, /memory limit of 1 GiB/);
    assert.equal(errors[2]?.kind, 'system');
    assert.match(errors[2]!.message, /node failed/);
  });

  test('a refused submission fails as the application, with sbatch message, and is not retried', async (t) => {
    const { fake, start, job } = await setup(t);
    fake.refuse = 'invalid partition name specified';
    const executor = await start();
    const outcome = await executor.run(job(1), never);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'application');
    assert.match(outcome.error.message, /invalid partition name specified/);
  });

  test('cancelling scancels the jobs of that moment in one call', async (t) => {
    const { fake, start, job } = await setup(t);
    fake.verdict = () => ({ state: 'RUNNING' });
    const executor = await start();
    const controller = new AbortController();
    const outcomes = Promise.all([1, 2, 3].map((i) => executor.run(job(i), controller.signal)));
    while (fake.entries.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const results = await outcomes;
    assert.ok(results.every((outcome) => !outcome.ok && outcome.error.kind === 'cancelled'));
    assert.deepEqual(fake.cancelled.sort(), ['100_0', '100_1', '100_2']);
  });
});
