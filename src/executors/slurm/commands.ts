// The Slurm commands the executor runs: sbatch (script on stdin), squeue and scancel. Failures become
// ExecutorErrors that name the command and carry Slurm's own message.
import { execFile, spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { ExecutorError } from '../../errors.ts';
import { parseQueue, SQUEUE_FORMAT, type QueueEntry } from './states.ts';

/** sbatch failures worth another try: the controller was busy or out of reach. */
const TRANSIENT =
  /timed out|unable to contact|connection refused|temporarily unavailable|try again|slurm_receive_msg|zero bytes/i;

/** sbatch calls at once: a burst of single submissions must not flood the controller (or fork 500 processes). */
const SBATCH_AT_ONCE = 4;

export interface SbatchResult {
  jobId: string;
}

function output(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: String(stderr) }));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

function why(error: unknown): string {
  const failure = error as NodeJS.ErrnoException & { stderr?: string; signal?: string | null };
  if (failure.code === 'ENOENT') return 'the command is not installed (not found on PATH)';
  const said = (failure.stderr ?? '').trim().replace(/^sbatch: error: /gm, '');
  if (said) return said;
  return failure.signal ? `killed by ${failure.signal}` : `exit code ${String(failure.code)}, no message`;
}

/** Whether Slurm itself refused a submission (it says why); anything else may pass on another try. */
function refused(error: unknown, message: string): boolean {
  const failure = error as NodeJS.ErrnoException & { stderr?: string };
  return (failure.stderr ?? '').trim() !== '' && !TRANSIENT.test(message);
}

/** What the executor asks of Slurm; the unit tests give a fake. */
export interface SlurmClient {
  queue(): Promise<QueueEntry[]>;
  check(): Promise<QueueEntry[]>;
  sbatch(args: string[], script: string): Promise<SbatchResult>;
  scancel(ids: string[]): Promise<void>;
  /** The CPUs of a partition (the default one when undefined), or undefined when sinfo cannot tell. */
  cpus(partition: string | undefined): Promise<number | undefined>;
}

/** The total CPUs of `partition` (or of the default, marked `*`) in `sinfo -h -o '%P %C'` output. */
export function partitionCpus(text: string, partition: string | undefined): number | undefined {
  for (const line of text.split('\n')) {
    const [name, counts] = line.trim().split(/\s+/);
    if (!name || !counts) continue;
    const matches = partition === undefined ? name.endsWith('*') : name.replace(/\*$/, '') === partition;
    const total = Number(counts.split('/')[3]);
    if (matches && Number.isSafeInteger(total) && total > 0) return total;
  }
  return undefined;
}

export class SlurmCommands implements SlurmClient {
  private readonly executor: string;
  private readonly user = userInfo().username;
  private submitting = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(executor: string) {
    this.executor = executor;
  }

  /** Every Baton job of this user that Slurm still lists, ended ones included; one call for all. */
  async queue(): Promise<QueueEntry[]> {
    const args = [
      '--noheader',
      '--array',
      '--states=all',
      `--user=${this.user}`,
      `--format=${SQUEUE_FORMAT}`,
    ];
    return parseQueue(await output('squeue', args));
  }

  /** Checks that squeue answers; fails before anything is submitted, naming what to do. */
  async check(): Promise<QueueEntry[]> {
    try {
      return await this.queue();
    } catch (error) {
      throw new ExecutorError(
        `executor ${this.executor}: squeue failed: ${why(error)}`,
        { executor: this.executor },
        {
          cause: error,
          hint: 'run Baton where the Slurm commands work (a login node), and check that `squeue` answers',
        },
      );
    }
  }

  /**
   * Submits `script`. Rejects with an ExecutorError: `retryable` when the controller could not be
   * reached, not when Slurm refused the job (a bad partition, more memory than any node has).
   */
  async sbatch(args: string[], script: string): Promise<SbatchResult> {
    let stdout: string;
    // A slot is handed from one sbatch to the next, so no more than SBATCH_AT_ONCE ever run.
    if (this.submitting < SBATCH_AT_ONCE) this.submitting++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      stdout = await output('sbatch', ['--parsable', ...args], script);
    } catch (error) {
      const message = why(error);
      if (!refused(error, message)) {
        const where = { executor: this.executor, retryable: true };
        throw new ExecutorError(`sbatch failed: ${message}`, where, { cause: error });
      }
      throw new ExecutorError(
        `sbatch refused the job: ${message}`,
        { executor: this.executor },
        {
          cause: error,
          hint: 'check partition, account, qos and sbatch_args in baton.toml, and the resources the task asks for',
        },
      );
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.submitting--;
    }
    const jobId = stdout.trim().split(';')[0]!;
    if (!/^\d+$/.test(jobId)) {
      throw new ExecutorError(`sbatch printed '${stdout.trim()}' where a job id was expected`, {
        executor: this.executor,
      });
    }
    return { jobId };
  }

  async cpus(partition: string | undefined): Promise<number | undefined> {
    const args = [
      '--noheader',
      '--format=%P %C',
      ...(partition === undefined ? [] : [`--partition=${partition}`]),
    ];
    return partitionCpus(await output('sinfo', args).catch(() => ''), partition);
  }

  /** Cancels jobs (`123`, `123_4`); an already ended job is not an error. */
  async scancel(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await new Promise<void>((resolve) => {
      const child = spawn('scancel', ids, { stdio: 'ignore' });
      child.on('error', () => resolve());
      child.on('close', () => resolve());
    });
  }
}
