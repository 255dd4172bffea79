// Array elements of remote executors (Slurm arrays, Kubernetes Indexed Jobs, AWS Batch array jobs):
// the executor writes a list to scratch whose line i names the eval hashes element i runs, and each
// element runs its line's jobs one after another in one process, so several small calls share one
// Node start-up.
import { ScratchError } from '../errors.ts';
import type { Scratch } from '../scratch/index.ts';
import { runOneshot } from './oneshot.ts';

/** Environment variables that carry an array element's index, by the engines that set them. */
export const ARRAY_INDEX_VARIABLES = [
  'BATON_ARRAY_INDEX',
  'SLURM_ARRAY_TASK_ID',
  'JOB_COMPLETION_INDEX',
  'AWS_BATCH_JOB_ARRAY_INDEX',
] as const;

/** The text of a job list: one line per array element, its eval hashes separated by spaces. */
export function formatJobList(elements: readonly (readonly string[])[]): string {
  return elements.map((hashes) => `${hashes.join(' ')}\n`).join('');
}

/** The eval hashes of element `index`, or undefined when the list has no such line. */
export function jobListElement(text: string, index: number): string[] | undefined {
  const line = text.split('\n')[index];
  if (line === undefined) return undefined;
  return line.split(' ').filter((hash) => hash.length > 0);
}

/** The array index the engine gave this process: the first of ARRAY_INDEX_VARIABLES set, else 0. */
export function arrayIndexFromEnv(env: NodeJS.ProcessEnv): number {
  for (const name of ARRAY_INDEX_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') return Number(value);
  }
  return 0;
}

export interface OneshotListOptions {
  scratch: Scratch;
  /** The scratch key of the list. */
  listKey: string;
  index: number;
  codeCache: string;
}

/**
 * Runs the jobs of one array element in order; 0 when all succeeded, 1 when any failed (each job's
 * error is in its own scratch folder). Throws a ScratchError when the list cannot be read.
 */
export async function runOneshotList(options: OneshotListOptions): Promise<number> {
  const { scratch, listKey, index } = options;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new ScratchError(`array index ${index} of job list ${listKey} is not a whole number >= 0`, {
      uri: scratch.uri,
      key: listKey,
    });
  }
  const bytes = await scratch.get(listKey);
  if (!bytes)
    throw new ScratchError(`job list ${listKey} is not in scratch`, { uri: scratch.uri, key: listKey });
  const hashes = jobListElement(new TextDecoder().decode(bytes), index);
  if (!hashes || hashes.length === 0) {
    throw new ScratchError(`job list ${listKey} has no line ${index + 1}`, {
      uri: scratch.uri,
      key: listKey,
    });
  }
  let exitCode = 0;
  for (const evalHash of hashes) {
    const { exitCode: code } = await runOneshot({ scratch, evalHash, codeCache: options.codeCache });
    exitCode = Math.max(exitCode, code);
  }
  return exitCode;
}
