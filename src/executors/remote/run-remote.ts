// One remote job from submission to outcome, the same for every engine: reunite with a job the
// engine still runs from before a scheduler restart, or take a valid output already in scratch, or
// submit; then wait under the job's time limit and the run's signal, and read what oneshot wrote.
import { serializeError } from '../../codec/index.ts';
import { cancelledOutcome, lostOutcome, timeoutOutcome } from '../outcomes.ts';
import type { ExecutorContext, ExecutorLogger, JobOutcome, JobRequest } from '../types.ts';
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
  /** The engine stopped the job at its time limit (Slurm's `--time`), before the executor's own timer did. */
  timedOut?: boolean | undefined;
  /** The last lines the job printed. */
  logTail?: string | undefined;
}

/** The part of a remote executor that talks to its engine (podman, sbatch, a queue, an API). */
export interface RemoteEngine<Handle> {
  /**
   * A job for this eval hash that the engine still has from an earlier scheduler: running or ended.
   * The first call for every job, so an engine that gathers submissions into batches learns here that
   * a job is on its way; it hears `skipped` for one that will not be submitted after all.
   */
  find(job: JobRequest): Promise<{ handle: Handle; running: boolean } | undefined>;
  /** Starts the job whose input is staged; a job of the same name already there is returned instead. */
  submit(job: JobRequest): Promise<Handle>;
  /** The job `find` announced will not be submitted (reunited, already done, or its staging failed). */
  skipped?(job: JobRequest): void;
  /**
   * Resolves when a submitted job leaves the engine's queue and runs (or has ended). Engines with a
   * queue (Slurm, Batch) give it, so the time limit counts from there; without it, from submission.
   */
  started?(handle: Handle, job: JobRequest): Promise<void>;
  /** Resolves when the job has ended. */
  wait(handle: Handle, job: JobRequest): Promise<EngineExit>;
  /** Stops a job that is still running. */
  cancel(handle: Handle, job: JobRequest): Promise<void>;
  /** Lets go of an ended job (removes a container, forgets a record). Called without waiting when nothing depends on it. */
  release(handle: Handle, job: JobRequest): Promise<void>;
}

type Ended = { type: 'exit'; exit: EngineExit } | { type: 'aborted' } | { type: 'timeout' };

/** Resolves true when `promise` settles, false when `signal` aborts first. */
function unlessAborted(promise: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

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
  if (exit.timedOut) {
    const outcome = timeoutOutcome(job);
    if (!outcome.ok) outcome.error.logTail = exit.logTail || undefined;
    return outcome;
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

/** The executor's logger, every line of it starting `executor NAME: `. */
export function executorLogger(executor: string, logger: ExecutorLogger): ExecutorLogger {
  const prefix = `executor ${executor}: `;
  return {
    info: (message) => logger.info(prefix + message),
    warn: (message) => logger.warn(prefix + message),
    debug: (message) => logger.debug(prefix + message),
  };
}

/**
 * Runs `job` through an engine that first plans it from its options (resources, flags, batching key):
 * a task option the engine cannot use fails the call at once, the same every time, so not retried.
 */
export function runPlannedJob<H>(
  job: JobRequest,
  signal: AbortSignal,
  parts: Parameters<typeof runRemoteJob<H>>[2] & { engine: { plan(job: JobRequest): unknown } },
): Promise<JobOutcome> {
  try {
    parts.engine.plan(job);
  } catch (error) {
    return Promise.resolve({ ok: false, error: serializeError(error, 'application'), endedAt: Date.now() });
  }
  return runRemoteJob(job, signal, parts);
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
  let acquired: { handle: H; submitted: boolean } | { done: JobOutcome };
  try {
    acquired = await acquire(job, plumbing, engine, ctx);
  } catch (error) {
    engine.skipped?.(job);
    throw error;
  }
  if (!('handle' in acquired) || !acquired.submitted) engine.skipped?.(job);
  if ('done' in acquired) return plumbing.receive(acquired.done);
  const { handle } = acquired;
  if (engine.started && !(await unlessAborted(engine.started(handle, job), signal))) {
    await engine.cancel(handle, job);
    void engine.release(handle, job);
    return cancelledOutcome(job);
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

/** Reunites with the job an earlier scheduler left, takes a valid output already in scratch, or submits. */
async function acquire<H>(
  job: JobRequest,
  plumbing: RemotePlumbing,
  engine: RemoteEngine<H>,
  ctx: ExecutorContext,
): Promise<{ handle: H; submitted: boolean } | { done: JobOutcome }> {
  const found = await engine.find(job);
  if (found?.running) {
    ctx.logger.info(
      `executor ${plumbing.executor}: reunited with the running job of task ${job.task.name} (${job.evalHash.slice(0, 12)})`,
    );
    return { handle: found.handle, submitted: false };
  }
  const finished = await plumbing.files(job.evalHash).outcome();
  if (found) await engine.release(found.handle, job);
  if (finished?.ok) return { done: finished };
  await plumbing.stage(job);
  return { handle: await engine.submit(job), submitted: true };
}
