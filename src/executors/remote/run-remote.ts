// One remote job from submission to outcome, the same for every engine: reunite with a job the
// engine still runs from before a scheduler restart, or take a valid output already in scratch, or
// submit; then wait under the job's time limit and the run's signal, and read what oneshot wrote.
import { cancelledOutcome, lostOutcome, timeoutOutcome } from '../outcomes.ts';
import type { ExecutorContext, JobOutcome, JobRequest } from '../types.ts';
import type { RemotePlumbing } from './plumbing.ts';

/** What the engine knows about a job that ended. */
export interface EngineExit {
  /** The exit status of the job's command, when the engine reports it. */
  exitCode?: number | undefined;
  /** The engine killed the job for going over its memory limit (`likely`: killed, with a limit set). */
  memoryKilled?: boolean | 'likely' | undefined;
  /** The engine's own explanation, e.g. that the image does not exist. */
  reason?: string | undefined;
  /** The engine could not start the job (no such image, bad option): trying again would fail the same way. */
  refused?: boolean | undefined;
  /** The last lines the job printed. */
  logTail?: string | undefined;
}

/** The part of a remote executor that talks to its engine (podman, sbatch, a queue, an API). */
export interface RemoteEngine<Handle> {
  /** A job for this eval hash that the engine still has from an earlier scheduler: running or ended. */
  find(job: JobRequest): Promise<{ handle: Handle; running: boolean } | undefined>;
  /** Starts the job whose input is staged; a job of the same name already there is returned instead. */
  submit(job: JobRequest): Promise<Handle>;
  /** Resolves when the job has ended. */
  wait(handle: Handle, job: JobRequest): Promise<EngineExit>;
  /** Stops a job that is still running. */
  cancel(handle: Handle, job: JobRequest): Promise<void>;
  /** Lets go of an ended job (removes a container, forgets a record). Called without waiting when nothing depends on it. */
  release(handle: Handle, job: JobRequest): Promise<void>;
}

type Ended = { type: 'exit'; exit: EngineExit } | { type: 'aborted' } | { type: 'timeout' };

function waitBounded<H>(
  engine: RemoteEngine<H>,
  handle: H,
  job: JobRequest,
  signal: AbortSignal,
): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const limit = job.options.timeLimit;
    const timer =
      limit === undefined ? undefined : setTimeout(() => settle({ type: 'timeout' }), limit * 1000);
    const onAbort = () => settle({ type: 'aborted' });
    function settle(ended: Ended) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ended);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    engine.wait(handle, job).then((exit) => settle({ type: 'exit', exit }), reject);
  });
}

function memoryLimit(job: JobRequest): string {
  return job.options.memory === undefined
    ? 'its memory limit'
    : `its memory limit of ${job.options.memory} GiB`;
}

/** An outcome for a job that ended without writing one: the engine's account of why. */
function lostJob(job: JobRequest, exit: EngineExit, engineName: string): JobOutcome {
  if (exit.memoryKilled === 'likely') {
    const code = exit.exitCode === undefined ? '' : ` (exit code ${exit.exitCode})`;
    return lostOutcome(
      job,
      `the ${engineName} killed the job${code}, most likely for using more than ${memoryLimit(job)}`,
      'memory',
      exit.logTail,
    );
  }
  if (exit.memoryKilled) {
    return lostOutcome(
      job,
      `the ${engineName} killed the job for using more than ${memoryLimit(job)}`,
      'memory',
      exit.logTail,
    );
  }
  if (exit.refused) {
    return {
      ok: false,
      endedAt: Date.now(),
      error: {
        kind: 'application',
        name: 'ExecutorError',
        message: `the ${engineName} could not run task ${job.task.name}: ${exit.reason ?? `exit code ${exit.exitCode}`}`,
        logTail: exit.logTail,
      },
    };
  }
  const code = exit.exitCode === undefined ? '' : ` with exit code ${exit.exitCode}`;
  const why = exit.reason ? `: ${exit.reason}` : '';
  return lostOutcome(job, `the job ended${code} without writing a result${why}`, 'system', exit.logTail);
}

/** Runs `job` through `engine`; resolves with its outcome, never rejects for the job's own failure. */
export async function runRemoteJob<H>(
  job: JobRequest,
  signal: AbortSignal,
  parts: { plumbing: RemotePlumbing; engine: RemoteEngine<H>; ctx: ExecutorContext; engineName: string },
): Promise<JobOutcome> {
  const { plumbing, engine, ctx, engineName } = parts;
  if (signal.aborted) return cancelledOutcome(job);
  const files = plumbing.files(job.evalHash);
  const found = await engine.find(job);
  let handle: H;
  if (found?.running) {
    handle = found.handle;
    ctx.logger.info(
      `executor ${plumbing.executor}: reunited with the running job of task ${job.task.name} (${job.evalHash.slice(0, 12)})`,
    );
  } else {
    const finished = await files.outcome();
    if (found) await engine.release(found.handle, job);
    if (finished?.ok) return plumbing.receive(finished);
    await plumbing.stage(job);
    handle = await engine.submit(job);
  }
  ctx.emit({ type: 'job-started', jobId: job.jobId });

  const ended = await waitBounded(engine, handle, job, signal);
  if (ended.type !== 'exit') {
    await engine.cancel(handle, job);
    void engine.release(handle, job);
    return ended.type === 'timeout' ? timeoutOutcome(job) : cancelledOutcome(job);
  }
  const outcome = await files.outcome();
  void engine.release(handle, job);
  if (!outcome) return lostJob(job, ended.exit, engineName);
  if (!outcome.ok && ended.exit.logTail && !outcome.error.logTail) outcome.error.logTail = ended.exit.logTail;
  return plumbing.receive(outcome);
}
