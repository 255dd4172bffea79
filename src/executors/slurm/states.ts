// Reading Slurm: squeue's lines, which states mean a job has ended, and why a job that wrote no
// result ended, from its state and Slurm's own messages in the job's output file.
import type { EngineExit } from '../remote/run-remote.ts';

/** squeue's format: job id (`123`, or `123_4` for an array element), state, name, reason. */
export const SQUEUE_FORMAT = '%i|%T|%j|%r';

export interface QueueEntry {
  /** `123` or `123_4`: what scancel and squeue -j take. */
  id: string;
  state: string;
  name: string;
  /** The array index, for an array element. */
  index: number | undefined;
  reason: string;
}

/** Lines of `squeue -h -r -o SQUEUE_FORMAT`; only Baton's jobs (names `baton-...`). */
export function parseQueue(text: string): QueueEntry[] {
  const entries: QueueEntry[] = [];
  for (const line of text.split('\n')) {
    const [id, state, name, ...reason] = line.trim().split('|');
    if (!id || !state || !name?.startsWith('baton-')) continue;
    const element = /^\d+_(\d+)$/.exec(id);
    entries.push({
      id,
      state: state.toUpperCase(),
      name,
      index: element ? Number(element[1]) : undefined,
      reason: reason.join('|'),
    });
  }
  return entries;
}

/** States of a job that has ended for good (COMPLETING is not: its final state follows). */
const ENDED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'PREEMPTED',
  'SPECIAL_EXIT',
  'REVOKED',
]);

/** States in which the job waits in the queue, not running yet. */
const QUEUED = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESV_DEL_HOLD',
]);

export function hasEnded(state: string): boolean {
  return ENDED.has(state);
}

export function isQueued(state: string): boolean {
  return QUEUED.has(state);
}

/** Slurm's own lines in a job's output (slurmstepd writes them into the `--output` file). */
const MEMORY_MESSAGE = /oom-kill|out of memory|out-of-memory|exceeded (job )?memory limit/i;
const TIME_MESSAGE = /DUE TO TIME LIMIT|DUE TO JOB DEADLINE/;
const NODE_MESSAGE = /DUE TO NODE FAILURE|DUE TO NODE .*FAIL/i;
const PREEMPTION_MESSAGE = /DUE TO PREEMPTION/;

/**
 * Why a job that wrote no result ended: `state` is its last state in squeue (undefined once it has
 * left the queue), `log` the tail of its output file. Memory and time kills are the task's own (not
 * retried as system failures); a node failure or a preemption is the system's.
 */
export function explainEnd(state: string | undefined, reason: string, log: string): EngineExit {
  const logTail = log || undefined;
  const slurmSays = [state && `Slurm state ${state}`, reason && reason !== 'None' && `reason ${reason}`]
    .filter(Boolean)
    .join(', ');
  if (state === 'OUT_OF_MEMORY' || MEMORY_MESSAGE.test(log)) return { memoryKilled: true, logTail };
  if (state === 'TIMEOUT' || state === 'DEADLINE' || TIME_MESSAGE.test(log))
    return { timedOut: true, logTail };
  if (state === 'NODE_FAIL' || state === 'BOOT_FAIL' || NODE_MESSAGE.test(log)) {
    return { reason: `its node failed (${slurmSays || 'Slurm said so in the job output'})`, logTail };
  }
  if (state === 'PREEMPTED' || PREEMPTION_MESSAGE.test(log)) {
    return { reason: `Slurm preempted it (${slurmSays || 'Slurm said so in the job output'})`, logTail };
  }
  if (state === 'CANCELLED') return { reason: `it was cancelled outside Baton (${slurmSays})`, logTail };
  if (state === undefined) return { reason: 'it left the Slurm queue', logTail };
  return { reason: slurmSays, logTail };
}

/** The last `lines` lines of `text`. */
export function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
