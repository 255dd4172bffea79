// Talking to docker or podman: one attached `run` per job (its exit is the job's end, its output the
// log tail), `ps` once at start to find the containers an earlier scheduler left, `wait` and `logs`
// for those, `inspect` for memory kills, and `rm` off the job's critical path.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { ExecutorError } from '../../errors.ts';
import type { EngineExit, RemoteEngine } from '../remote/run-remote.ts';
import type { ExecutorContext, JobRequest } from '../types.ts';

const run = promisify(execFile);

/** Lines of a job's output kept for its error. */
const TAIL_LINES = 40;
/** Exit codes of the engine itself (125) or of starting the command (126, 127), not of the job. */
const ENGINE_FAILURES = new Set([125, 126, 127]);

export interface ContainerHandle {
  name: string;
  /** The attached `run` this scheduler started; absent for a container found after a restart. */
  child?: ChildProcess | undefined;
  exited?: Promise<EngineExit> | undefined;
}

/** How the executor builds a job's `run` command line and environment. */
export interface RunCommand {
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Attach the job to this terminal. */
  interactive: boolean;
}

export function containerName(evalHash: string): string {
  return `baton-${evalHash}`;
}

/** Keeps the last lines of a stream of chunks. */
class Tail {
  private lines: string[] = [];
  private partial = '';
  push(chunk: string, onLine: (line: string) => void): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) {
      onLine(line);
      this.lines.push(line);
    }
    if (this.lines.length > TAIL_LINES * 2) this.lines = this.lines.slice(-TAIL_LINES);
  }
  text(): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-TAIL_LINES).join('\n');
  }
}

/** The engine's own last `Error: ...` line, which says why a container never ran (no image, bad flag). */
function engineReason(tail: string): string | undefined {
  const lines = tail.split('\n').filter((line) => /^(Error|docker:|Error response)/i.test(line.trim()));
  return lines.at(-1)?.trim();
}

export class ContainerEngine implements RemoteEngine<ContainerHandle> {
  private readonly engine: string;
  private readonly engineArgs: string[];
  private readonly executor: string;
  private readonly command: (job: JobRequest) => RunCommand;
  private ctx: ExecutorContext | undefined;
  /** Containers an earlier scheduler left, by name, with whether they still run; taken as jobs claim them. */
  private readonly leftBehind = new Map<string, boolean>();
  private readonly removals = new Set<Promise<unknown>>();

  constructor(options: {
    engine: string;
    engineArgs: string[];
    executor: string;
    command: (job: JobRequest) => RunCommand;
  }) {
    this.engine = options.engine;
    this.engineArgs = options.engineArgs;
    this.executor = options.executor;
    this.command = options.command;
  }

  private exec(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(this.engine, [...this.engineArgs, ...args], { maxBuffer: 16 * 1024 * 1024 });
  }

  /** Checks the engine answers, and lists the containers an earlier scheduler started. */
  async start(ctx: ExecutorContext): Promise<void> {
    this.ctx = ctx;
    let listed: string;
    try {
      listed = (
        await this.exec([
          'ps',
          '--all',
          '--filter',
          'label=baton.eval-hash',
          '--format',
          '{{.Names}}\t{{.State}}',
        ])
      ).stdout;
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string };
      const reason =
        failure.code === 'ENOENT'
          ? `the engine command '${this.engine}' is not installed (not found on PATH)`
          : `'${this.engine} ps' failed: ${(failure.stderr || failure.message).trim()}`;
      throw new ExecutorError(
        `executor ${this.executor}: ${reason}`,
        { executor: this.executor },
        {
          cause: error,
          hint: 'install docker or podman, or set engine = "..." in its baton.toml section to the command or its path',
        },
      );
    }
    for (const line of listed.split('\n')) {
      const [name, state] = line.trim().split('\t');
      if (name?.startsWith('baton-')) this.leftBehind.set(name, /^(running|up)/i.test(state ?? ''));
    }
  }

  async find(job: JobRequest): Promise<{ handle: ContainerHandle; running: boolean } | undefined> {
    const name = containerName(job.evalHash);
    const running = this.leftBehind.get(name);
    if (running === undefined) return undefined;
    this.leftBehind.delete(name);
    return { handle: { name }, running };
  }

  async submit(job: JobRequest): Promise<ContainerHandle> {
    const { args, env, interactive } = this.command(job);
    const name = containerName(job.evalHash);
    const child = spawn(this.engine, [...this.engineArgs, ...args], {
      env,
      stdio: interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    const tail = new Tail();
    const forward = (line: string) =>
      this.ctx?.emit({ type: 'log', jobId: job.jobId, line: `[${job.task.name}] ${line}` });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => tail.push(chunk, forward));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => tail.push(chunk, forward));
    const exited = new Promise<EngineExit>((resolve) => {
      child.on('error', (error) => resolve({ reason: `cannot start '${this.engine}': ${error.message}` }));
      child.on('close', (code) =>
        resolve({ exitCode: code ?? undefined, logTail: tail.text() || undefined }),
      );
    });
    return { name, child, exited };
  }

  async wait(handle: ContainerHandle, job: JobRequest): Promise<EngineExit> {
    if (handle.exited) {
      const exit = await handle.exited;
      const tail = exit.logTail ?? '';
      // Another scheduler (or one before a restart) started this job: wait for that container instead.
      if (exit.exitCode === 125 && /already in use/i.test(tail)) {
        handle.exited = undefined;
        handle.child = undefined;
        return this.wait(handle, job);
      }
      if (exit.exitCode !== undefined && ENGINE_FAILURES.has(exit.exitCode)) {
        return { ...exit, refused: true, reason: engineReason(tail) ?? exit.reason };
      }
      return exit.exitCode === 137
        ? { ...exit, memoryKilled: await this.memoryKilled(handle.name, job) }
        : exit;
    }
    let exitCode: number | undefined;
    try {
      exitCode = Number((await this.exec(['wait', handle.name])).stdout.trim());
    } catch (error) {
      return {
        reason: `'${this.engine} wait' failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`,
      };
    }
    if (exitCode === 0) return { exitCode };
    const logTail = await this.exec(['logs', '--tail', String(TAIL_LINES), handle.name]).then(
      ({ stdout, stderr }) => (stdout + stderr).trimEnd() || undefined,
      () => undefined,
    );
    return {
      exitCode,
      logTail,
      memoryKilled: exitCode === 137 ? await this.memoryKilled(handle.name, job) : false,
    };
  }

  /**
   * Whether a job that exited 137 (SIGKILL) went over its memory. The engine says so when its runtime
   * reports it; some (runc here) do not, and then a SIGKILL under a memory limit is most likely the
   * kernel's OOM killer.
   */
  private async memoryKilled(name: string, job: JobRequest): Promise<boolean | 'likely'> {
    const reported = await this.exec(['inspect', '--format', '{{.State.OOMKilled}}', name]).then(
      ({ stdout }) => stdout.trim() === 'true',
      () => false,
    );
    if (reported) return true;
    return job.options.memory !== undefined ? 'likely' : false;
  }

  async cancel(handle: ContainerHandle): Promise<void> {
    // kill first: `rm --force` on podman waits 10 s for a SIGTERM that Node as PID 1 does not act on.
    await this.exec(['kill', handle.name]).catch(() => undefined);
    await this.remove(handle.name);
    handle.child?.kill('SIGTERM');
  }

  async release(handle: ContainerHandle): Promise<void> {
    const removal = this.remove(handle.name);
    this.removals.add(removal);
    await removal;
    this.removals.delete(removal);
  }

  private remove(name: string): Promise<unknown> {
    return this.exec(['rm', '--force', name]).catch(() => undefined);
  }

  /** Waits for the removals still going. */
  async stop(): Promise<void> {
    await Promise.all([...this.removals]);
  }
}
