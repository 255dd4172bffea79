// Building queue jobs from tasks: arguments packed side by side (small ones as they are; Files staged
// and large values put in scratch's value store first), and tasks split so every worker gets a share.
import { decodeValue } from '../../codec/index.ts';
import type { Locality } from '../../task/index.ts';
import type { Scratch } from '../../scratch/index.ts';
import { packArgs, packBytes } from '../../worker/index.ts';
import type { JobRequest } from '../types.ts';
import { BATCH_FORMAT, mayHoldFiles, type BatchData, type BatchTaskRef } from './wire.ts';

export interface PreparedArgs {
  bytes: Uint8Array;
  /** `[argument, hash]` of arguments in the value store. */
  large: Array<[number, string]>;
  staged: boolean;
}

/** A task's arguments as a queue job carries them; synchronous unless they hold Files or large values. */
export function prepareArgs(
  job: JobRequest,
  scratch: Scratch,
  limit: number,
): PreparedArgs | Promise<PreparedArgs> {
  if (job.args.length <= limit && !mayHoldFiles(job.args)) {
    return { bytes: job.args, large: [], staged: false };
  }
  return (async () => {
    const decoded = decodeValue(job.args) as unknown[];
    const { stageOut } = await import('../../files/index.ts');
    const staged = (await stageOut(decoded, scratch)) as unknown[];
    const packed = await packArgs(staged, scratch, limit);
    return { bytes: packed.args, large: packed.largeArgs, staged: staged !== decoded };
  })();
}

export interface BatchTask {
  key: string;
  job: JobRequest;
  /** The task's module inside the code package. */
  path: string;
  args: PreparedArgs;
}

/** The data of one queue job holding `tasks`. */
export function batchData(
  tasks: readonly BatchTask[],
  codePackage: string | undefined,
  largeValueBytes: number,
  locality: Locality | undefined,
): BatchData {
  const refs: BatchTaskRef[] = [];
  const refIndex = new Map<string, number>();
  const taskIndexes: number[] = [];
  const largeArgs: BatchData['largeArgs'] = [];
  const staged: number[] = [];
  const limits: BatchData['limits'] = [];
  tasks.forEach((task, i) => {
    const ref = task.job.task;
    const id = `${ref.hash}\0${ref.name}\0${ref.module}`;
    let index = refIndex.get(id);
    if (index === undefined) {
      index = refs.push({ module: ref.module, path: task.path, name: ref.name, hash: ref.hash }) - 1;
      refIndex.set(id, index);
    }
    taskIndexes.push(index);
    for (const [argument, hash] of task.args.large) largeArgs.push([i, argument, hash]);
    if (task.args.staged) staged.push(i);
    const { timeLimit, memory } = task.job.options;
    if (timeLimit !== undefined || memory !== undefined) limits.push([i, timeLimit ?? null, memory ?? null]);
  });
  const { bytes, offsets } = packBytes(tasks.length, (i) => tasks[i]!.args.bytes);
  return {
    format: BATCH_FORMAT,
    refs,
    codePackage,
    keys: tasks.map((task) => task.key),
    tasks: taskIndexes,
    args: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    offsets: Array.from(offsets),
    largeArgs,
    staged,
    limits,
    largeValueBytes,
    locality,
  };
}

/** Splits `items` into chunks of at most `max`, enough of them to give each of `shares` workers one. */
export function chunk<T>(items: readonly T[], max: number, shares: number): T[][] {
  const size = Math.max(1, Math.min(max, Math.ceil(items.length / Math.max(1, shares))));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
