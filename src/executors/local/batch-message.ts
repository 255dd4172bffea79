// The message that hands a batch of jobs to a worker: each distinct task once, the arguments packed.
import { packBytes, type BatchMessage, type WireTaskRef } from '../../worker/index.ts';
import type { PendingJob } from './queue.ts';

/** The batch message for `jobs`, job i under the id `ids[i]`. */
export function batchMessage(jobs: readonly PendingJob[], ids: Float64Array): BatchMessage {
  if (jobs.length === 1) {
    // A lone job (the common case of a chain of calls): no table of refs to build.
    const { task, args } = jobs[0]!.job;
    return {
      type: 'batch',
      refs: [task],
      ids,
      tasks: new Uint32Array(1),
      args,
      offsets: Float64Array.of(0, args.length),
    };
  }
  const refs: WireTaskRef[] = [];
  const refIndex = new Map<string, number>();
  const tasks = new Uint32Array(jobs.length);
  let previous: WireTaskRef | undefined;
  for (let i = 0; i < jobs.length; i++) {
    const ref = jobs[i]!.job.task;
    // Consecutive jobs of one task usually share the very same strings: compare before hashing.
    if (
      !previous ||
      previous.hash !== ref.hash ||
      previous.name !== ref.name ||
      previous.module !== ref.module
    ) {
      const key = `${ref.hash}\0${ref.name}\0${ref.module}`;
      let index = refIndex.get(key);
      if (index === undefined) {
        // The job's own ref (one object per task): packBatch keeps its encoding by identity.
        index = refs.push(ref) - 1;
        refIndex.set(key, index);
      }
      previous = refs[index]!;
      tasks[i] = index;
    } else {
      tasks[i] = tasks[i - 1]!;
    }
  }
  const { bytes, offsets } = packBytes(jobs.length, (i) => jobs[i]!.job.args);
  return { type: 'batch', refs, ids, tasks, args: bytes, offsets };
}
