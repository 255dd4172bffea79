// One queue job on a fleet worker: skip the tasks whose results an earlier holder of the job recorded,
// run the others on this worker's pool, and record results in Redis as they finish, in batches, only
// while this worker still holds the job's lock.
import type { Redis } from 'ioredis';
import { decodeValue, encodeValue, serializeError } from '../codec/index.ts';
import type { FleetKeys } from '../executors/fleet/index.ts';
import {
  PUSH_RESULTS_LUA,
  decodeResults,
  encodeResults,
  mayHoldFiles,
  type BatchData,
  type ResultBatch,
} from '../executors/fleet/index.ts';
import type { Executor, JobOutcome, JobRequest, SerializedError } from '../executors/index.ts';
import type { Scratch } from '../scratch/index.ts';
import { resolveTaskOptions, type ResolvedTaskOptions } from '../task/index.ts';
import type { CodeLocator } from './fleet-code.ts';
import { getLargeValue, putLargeValue } from './large-values.ts';
import type { RunningTasks } from './fleet-running.ts';
import { ByteWriter } from './protocol.ts';

export interface BatchParts {
  redis: Redis;
  keys: FleetKeys;
  scratch: Scratch;
  pool: Executor;
  code: CodeLocator;
  workerId: string;
  resultTtlMs: number;
  /** Where Files staged in for tasks are kept. */
  filesDir: string;
  /** The tasks this worker holds, each stoppable on its own (the worker's leaving stops them all). */
  running: RunningTasks;
  /** Tasks taken (+n) or finished (-n). */
  progress(started: number, finished: number): void;
}

const DEFAULT_OPTIONS: ResolvedTaskOptions = resolveTaskOptions({}, 'fleet worker');

/** Keys whose results are recorded already for this queue job (it was taken up after its worker was lost). */
async function recordedKeys(parts: BatchParts, batchId: string): Promise<Set<string>> {
  const messages = await parts.redis.lrangeBuffer(parts.keys.results(batchId), 0, -1);
  const keys = new Set<string>();
  for (const message of messages) for (const key of decodeResults(message).keys) keys.add(key);
  return keys;
}

/** Writes results in batches: what finishes in one turn of the event loop goes in one message. */
class ResultWriter {
  private readonly parts: BatchParts;
  private readonly batchId: string;
  private readonly lockKey: string;
  private readonly token: string;
  private readonly largeValueBytes: number;
  private waiting: Array<{ key: string; outcome: JobOutcome }> = [];
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  /** Another worker holds the job now: it records the results. */
  lost = false;

  constructor(parts: BatchParts, batchId: string, lockKey: string, token: string, largeValueBytes: number) {
    this.parts = parts;
    this.batchId = batchId;
    this.lockKey = lockKey;
    this.token = token;
    this.largeValueBytes = largeValueBytes;
  }

  add(key: string, outcome: JobOutcome): void {
    this.waiting.push({ key, outcome });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const taken = this.waiting.splice(0);
      this.chain = this.chain.then(() => this.write(taken));
    });
  }

  /** Resolves when everything added has been written (or the lock was lost). */
  async close(): Promise<void> {
    while (this.scheduled || this.waiting.length > 0) await new Promise((resolve) => setImmediate(resolve));
    await this.chain;
  }

  private async write(items: Array<{ key: string; outcome: JobOutcome }>): Promise<void> {
    if (this.lost || items.length === 0) return;
    const values = new ByteWriter();
    const ok = new Uint8Array(items.length);
    const times = new Float64Array(items.length * 2);
    const errors: SerializedError[] = [];
    const largeValues: Array<[number, string]> = [];
    for (let i = 0; i < items.length; i++) {
      let { outcome } = items[i]!;
      if (outcome.ok) outcome = await this.shipped(outcome).catch((error: unknown) => failed(error, outcome));
      times[2 * i] = outcome.startedAt ?? Date.now();
      times[2 * i + 1] = outcome.endedAt ?? Date.now();
      if (outcome.ok) {
        ok[i] = 1;
        if (outcome.value.length > this.largeValueBytes) {
          largeValues.push([i, await putLargeValue(this.parts.scratch, outcome.value)]);
          values.append(undefined);
        } else values.append(outcome.value);
      } else {
        errors.push(outcome.error);
        values.append(undefined);
      }
    }
    const { bytes, offsets } = values.take();
    const message: ResultBatch = {
      batchId: this.batchId,
      worker: this.parts.workerId,
      keys: items.map((item) => item.key),
      ok,
      values: bytes,
      offsets,
      times,
      errors,
      largeValues,
    };
    const written = await this.parts.redis.eval(
      PUSH_RESULTS_LUA,
      3,
      this.lockKey,
      this.parts.keys.results(this.batchId),
      this.parts.keys.replyTo(this.batchId),
      this.token,
      encodeResults(message),
      this.parts.resultTtlMs,
    );
    if (written !== 1) this.lost = true;
    this.parts.progress(0, items.length);
  }

  /** A result whose Files the scheduler's machine cannot read is staged to scratch first. */
  private async shipped(outcome: JobOutcome & { ok: true }): Promise<JobOutcome> {
    if (!mayHoldFiles(outcome.value)) return outcome;
    const { stageOut } = await import('../files/index.ts');
    const value = decodeValue(outcome.value);
    const staged = await stageOut(value, this.parts.scratch);
    return staged === value ? outcome : { ...outcome, value: encodeValue(staged, 'result') };
  }
}

function failed(error: unknown, outcome: JobOutcome): JobOutcome {
  return {
    ok: false,
    error: serializeError(error, 'application'),
    startedAt: outcome.startedAt,
    endedAt: Date.now(),
  };
}

/** The arguments of task i as the pool takes them: large values fetched, Files staged in. */
async function argsOf(data: BatchData, i: number, bytes: Uint8Array, parts: BatchParts): Promise<Uint8Array> {
  const large = data.largeArgs.filter(([task]) => task === i);
  const staged = data.staged.includes(i);
  if (large.length === 0 && !staged) return bytes;
  const args = decodeValue(bytes) as unknown[];
  for (const [, argument, hash] of large)
    args[argument] = decodeValue(await getLargeValue(parts.scratch, hash));
  if (!staged) return encodeValue(args, 'args');
  const { stageIn } = await import('../files/index.ts');
  return encodeValue(await stageIn(args, parts.scratch, parts.filesDir), 'args');
}

/** Runs the tasks of one queue job that have no recorded result yet. */
export async function runBatch(
  batchId: string,
  lockKey: string,
  token: string,
  data: BatchData,
  parts: BatchParts,
): Promise<void> {
  const recorded = await recordedKeys(parts, batchId);
  const todo = data.keys.map((_, i) => i).filter((i) => !recorded.has(data.keys[i]!));
  if (todo.length === 0) return;
  const modules = await Promise.all(
    data.refs.map((ref) => parts.code.moduleUrl(ref, data.codePackage).catch((error: unknown) => error)),
  );
  const writer = new ResultWriter(parts, batchId, lockKey, token, data.largeValueBytes);
  const args = Buffer.from(data.args, 'base64');
  const limits = new Map(data.limits.map(([task, timeLimit, memory]) => [task, { timeLimit, memory }]));
  const special = new Set([...data.staged, ...data.largeArgs.map(([task]) => task)]);
  parts.progress(todo.length, 0);
  const runOne = async (i: number): Promise<void> => {
    const key = data.keys[i]!;
    const ref = data.refs[data.tasks[i]!]!;
    const module = modules[data.tasks[i]!];
    const startedAt = Date.now();
    if (typeof module !== 'string') {
      writer.add(key, {
        ok: false,
        error: serializeError(module, 'application'),
        startedAt,
        endedAt: Date.now(),
      });
      return;
    }
    let bytes: Uint8Array = args.subarray(data.offsets[i], data.offsets[i + 1]);
    try {
      if (special.has(i)) bytes = await argsOf(data, i, bytes, parts);
    } catch (error) {
      writer.add(key, {
        ok: false,
        error: serializeError(error, 'application'),
        startedAt,
        endedAt: Date.now(),
      });
      return;
    }
    const limit = limits.get(i);
    const request: JobRequest = {
      jobId: key,
      evalHash: key.slice(0, 64),
      task: { module, name: ref.name, hash: ref.hash },
      args: bytes,
      options: {
        ...DEFAULT_OPTIONS,
        timeLimit: limit?.timeLimit ?? undefined,
        memory: limit?.memory ?? undefined,
      },
      attempt: 1,
    };
    const signal = parts.running.add(batchId, key);
    try {
      writer.add(key, await parts.pool.run(request, signal));
    } finally {
      parts.running.delete(batchId, key);
    }
  };
  // Every call starts in this turn, so the pool sends the batch to its threads in one message.
  await Promise.all(todo.map(runOne));
  await writer.close();
}
