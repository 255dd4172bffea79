// Builds JobRequests by hand, as the scheduler would, and starts executors for the tests.
import { randomUUID } from 'node:crypto';
import { decodeValue, encodeValue } from '../../../src/codec/index.ts';
import type { ExecutorContext, ExecutorEvent, JobOutcome, JobRequest } from '../../../src/executors/index.ts';
import { DEFAULT_SPIN_US, LocalExecutor, type LocalMode } from '../../../src/executors/local/index.ts';
import { taskHash } from '../../../src/hash/index.ts';
import { resolveTaskOptions, type TaskDef, type TaskOptions } from '../../../src/task/index.ts';

export function jobFor(
  t: { readonly def: TaskDef } | TaskDef,
  args: unknown[],
  options: TaskOptions = {},
): JobRequest {
  const def = 'def' in t ? t.def : t;
  return {
    jobId: randomUUID(),
    evalHash: randomUUID(),
    task: { module: def.moduleUrl ?? '', name: def.name, hash: taskHash(def.name, def.source) },
    args: encodeValue(args),
    options: resolveTaskOptions(options, 'test'),
    attempt: 1,
  };
}

export interface Started {
  executor: LocalExecutor;
  events: ExecutorEvent[];
  /** What the workers printed (kept here rather than on this process's stderr). */
  output: string[];
  /** Resolves when the job with this id was handed to a worker. */
  started(jobId: string): Promise<void>;
}

export async function startExecutor(mode: LocalMode, maxWorkers: number): Promise<Started> {
  const output: string[] = [];
  const executor = new LocalExecutor(
    `test-${mode}`,
    { mode, max_workers: maxWorkers, spin_us: DEFAULT_SPIN_US },
    { output: (chunk) => output.push(Buffer.from(chunk).toString('utf8')) },
  );
  const events: ExecutorEvent[] = [];
  const waiting = new Map<string, () => void>();
  const ctx: ExecutorContext = {
    cwd: process.cwd(),
    root: process.cwd(),
    logger: { info: () => {}, warn: () => {}, debug: () => {} },
    emit(event) {
      events.push(event);
      if (event.type === 'job-started') waiting.get(event.jobId)?.();
    },
  };
  await executor.start(ctx);
  const started = (jobId: string) =>
    events.some((event) => event.type === 'job-started' && event.jobId === jobId)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiting.set(jobId, resolve));
  return { executor, events, output, started };
}

export function valueOf(outcome: JobOutcome): unknown {
  if (!outcome.ok)
    throw new Error(
      `expected a value, got ${outcome.error.kind} ${outcome.error.name}: ${outcome.error.message}`,
    );
  return decodeValue(outcome.value);
}

export function errorOf(outcome: JobOutcome) {
  if (outcome.ok)
    throw new Error(`expected an error, got the value ${JSON.stringify(decodeValue(outcome.value))}`);
  return outcome.error;
}
