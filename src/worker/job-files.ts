// The files of one remote job in scratch (jobs/<eval hash>/{input,output,error,status}): what the
// scheduler writes for `baton oneshot`, what oneshot writes back, and how either side reads them.
// input and output are codec bytes; status and error are JSON, so a person can read them with cat.
import { hostname } from 'node:os';
import { decodeValue, encodeValue } from '../codec/index.ts';
import { SerializationError } from '../errors.ts';
import { sha256 } from '../hash/index.ts';
import type { JobOutcome, SerializedError } from '../executors/types.ts';
import { scratchLayout, type Scratch } from '../scratch/index.ts';
import { getLargeValue, putLargeValue } from './large-values.ts';

export const JOB_INPUT_FORMAT = 'baton.job/1';

/** Where the far side finds the task's code. */
export type JobCode =
  /** A code package in scratch, by content hash. */
  | { package: string }
  /** A folder the job can read directly (a shared filesystem, a bind mount). */
  | { root: string };

/** Everything `baton oneshot` needs to run one job. */
export interface JobInput {
  format: typeof JOB_INPUT_FORMAT;
  jobId: string;
  evalHash: string;
  attempt: number;
  task: {
    /** Path of the task's module relative to the code root, with `/` separators. */
    module: string;
    name: string;
    /** The task hash the scheduler computed; oneshot refuses code that hashes differently. */
    hash: string;
  };
  code: JobCode;
  /** The scheduler's code root as a file URL ending in `/`: module URLs that values carry start with it. */
  codeRoot?: string | undefined;
  /** The scheduler's Baton modules (its src/ or dist/ folder URL): built-in tasks that values carry. */
  batonRoot?: string | undefined;
  /** The arguments, encoded with the value codec as one array; large ones hold null here. */
  args: Uint8Array;
  /** `[index, hash]` of each argument that travels through the value store (`values/<hash>`). */
  largeArgs: Array<[number, string]>;
  /** A result whose encoding is larger than this goes to the value store too. */
  largeValueBytes: number;
}

export type JobState = 'running' | 'done' | 'failed';

/** The status file: written `running` when a job starts, `done` or `failed` when it ends. */
export interface JobStatus {
  state: JobState;
  evalHash: string;
  jobId: string;
  attempt: number;
  host: string;
  pid: number;
  startedAt: number;
  endedAt?: number | undefined;
  /** sha256 of the output file: an output is valid only when it matches. */
  outputSha256?: string | undefined;
  /** A large result is in the value store under this hash instead of in the output file. */
  outputRef?: string | undefined;
}

const text = new TextEncoder();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function encodeJobInput(input: JobInput): Uint8Array {
  return encodeValue(input, 'job input');
}

/** Decodes and checks an input file; a SerializationError names what is wrong with it. */
export function decodeJobInput(bytes: Uint8Array, evalHash: string): JobInput {
  const bad = (what: string) =>
    new SerializationError(`the input of job ${evalHash} ${what}`, 'input', {
      hint: 'the file was damaged or written by another version of Baton: run the workflow again',
    });
  let value: unknown;
  try {
    value = decodeValue(bytes);
  } catch (cause) {
    throw new SerializationError(`the input of job ${evalHash} cannot be decoded`, 'input', {
      cause,
      hint: 'the file was damaged or written by another version of Baton: run the workflow again',
    });
  }
  if (!isRecord(value)) throw bad('is not a job description');
  if (value.format !== JOB_INPUT_FORMAT)
    throw bad(`has format ${String(value.format)}, not ${JOB_INPUT_FORMAT}`);
  if (value.evalHash !== evalHash) throw bad(`names another job (${String(value.evalHash)})`);
  const task = value.task;
  if (!isRecord(task) || typeof task.module !== 'string' || typeof task.name !== 'string') {
    throw bad('does not name a task');
  }
  if (typeof task.hash !== 'string') throw bad('has no task hash');
  if (!(value.args instanceof Uint8Array)) throw bad('has no arguments');
  const code = value.code;
  if (!isRecord(code) || (typeof code.package !== 'string' && typeof code.root !== 'string')) {
    throw bad('does not say where the code is');
  }
  if (typeof value.jobId !== 'string' || typeof value.attempt !== 'number')
    throw bad('has no job id or attempt');
  return value as unknown as JobInput;
}

function encodeJson(value: unknown): Uint8Array {
  return text.encode(
    `${JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}n` : item), 2)}\n`,
  );
}

function decodeJson(bytes: Uint8Array | undefined): unknown {
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** Reads and writes one job's files in one scratch. */
export class JobFiles {
  readonly scratch: Scratch;
  readonly evalHash: string;
  private readonly keys: ReturnType<typeof scratchLayout>;

  constructor(scratch: Scratch, evalHash: string) {
    this.scratch = scratch;
    this.evalHash = evalHash;
    this.keys = scratchLayout(scratch.uri);
    this.keys.jobFolder(evalHash); // checks the hash before any key is built from it
  }

  key(file: 'input' | 'output' | 'error' | 'status'): string {
    return this.keys.job(this.evalHash, file);
  }

  async readInput(): Promise<Uint8Array | undefined> {
    return this.scratch.get(this.key('input'));
  }

  /** A fresh submission: the input, and no status, output or error left from an earlier attempt. */
  async prepare(input: JobInput): Promise<void> {
    await Promise.all([
      this.scratch.delete(this.key('status')),
      this.scratch.delete(this.key('output')),
      this.scratch.delete(this.key('error')),
    ]);
    await this.scratch.put(this.key('input'), encodeJobInput(input));
  }

  async status(): Promise<JobStatus | undefined> {
    const status = decodeJson(await this.scratch.get(this.key('status')));
    if (!isRecord(status) || status.evalHash !== this.evalHash) return undefined;
    if (status.state !== 'running' && status.state !== 'done' && status.state !== 'failed') return undefined;
    return status as unknown as JobStatus;
  }

  async writeStatus(status: JobStatus): Promise<void> {
    await this.scratch.put(this.key('status'), encodeJson(status));
  }

  /** The job's result if it finished: its output when the output matches its checksum, or its error. */
  async outcome(): Promise<JobOutcome | undefined> {
    const status = await this.status();
    if (!status || status.state === 'running') return undefined;
    const times = { startedAt: status.startedAt, endedAt: status.endedAt };
    if (status.state === 'done') {
      if (status.outputRef !== undefined) {
        const value = await getLargeValue(this.scratch, status.outputRef).catch(() => undefined);
        return value ? { ok: true, value, ...times } : undefined;
      }
      const value = await this.scratch.get(this.key('output'));
      if (!value || sha256(value) !== status.outputSha256) return undefined;
      return { ok: true, value, ...times };
    }
    const error = decodeJson(await this.scratch.get(this.key('error')));
    if (!isRecord(error) || typeof error.message !== 'string') return undefined;
    return { ok: false, error: error as unknown as SerializedError, ...times };
  }

  /**
   * Writes a finished job's output (then a `done` status naming its checksum) or its error. An output
   * larger than `largeValueBytes` goes to the value store and the status names its hash.
   */
  async finish(
    outcome: JobOutcome,
    started: Pick<JobStatus, 'jobId' | 'attempt' | 'startedAt'>,
    largeValueBytes = Infinity,
  ): Promise<void> {
    const status: JobStatus = {
      state: outcome.ok ? 'done' : 'failed',
      evalHash: this.evalHash,
      ...started,
      host: hostname(),
      pid: process.pid,
      endedAt: outcome.endedAt ?? Date.now(),
    };
    if (outcome.ok && outcome.value.length > largeValueBytes) {
      status.outputRef = await putLargeValue(this.scratch, outcome.value);
    } else if (outcome.ok) {
      await this.scratch.put(this.key('output'), outcome.value);
      status.outputSha256 = sha256(outcome.value);
    } else {
      await this.scratch.put(this.key('error'), encodeJson(outcome.error));
    }
    await this.writeStatus(status);
  }
}
