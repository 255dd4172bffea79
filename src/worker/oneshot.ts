// `baton oneshot`: what a remote job runs. It reads the job's input from scratch, fetches and
// verifies the code, runs the task once and writes output or error and a status back. A job whose
// valid output is already there is not run again, so a resubmitted or reunited job costs nothing.
import { mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeValue, serializeError } from '../codec/index.ts';
import { SerializationError, WorkflowError } from '../errors.ts';
import type { JobOutcome } from '../executors/types.ts';
import { markWorkerContext } from '../scheduler/index.ts';
import { addModuleRoot, OWN_SOURCE } from '../task/index.ts';
import type { Scratch } from '../scratch/index.ts';
import { decodeJobInput, JobFiles, type JobInput } from './job-files.ts';
import { unpackArgs } from './large-values.ts';
import { loadTask } from './load.ts';

export interface OneshotOptions {
  scratch: Scratch;
  evalHash: string;
  /** Where code packages are extracted, once per hash. Put it under the folder whose node_modules the
   * job's imports should resolve from. */
  codeCache: string;
}

export interface OneshotResult {
  /** 0 when the task succeeded (or had already), 1 when it failed or its input was unusable. */
  exitCode: number;
  /** False when a valid output was already in scratch and nothing ran. */
  ran: boolean;
  outcome: JobOutcome;
}

/** The root of the Baton package this process runs from, for code packages to import `baton` from. */
const BATON_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Lets the extracted sources `import 'baton'` even when the image installs Baton outside their tree. */
export async function linkBaton(codeRoot: string): Promise<void> {
  const link = join(codeRoot, 'node_modules', 'baton');
  const current = await readlink(link).catch(() => undefined);
  if (current === BATON_ROOT) return;
  // A cache shared with a Baton installed elsewhere (another image) points the link at this one.
  if (current !== undefined) await rm(link, { force: true });
  try {
    await mkdir(dirname(link), { recursive: true });
    await symlink(BATON_ROOT, link, 'dir');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** A task Baton defines itself (`baton:map/chunk`), in the form this process runs. */
function ownModuleUrl(input: JobInput, path: string): string {
  if (!/^[a-z0-9/_-]+$/.test(path)) {
    throw new WorkflowError(`job ${input.evalHash} names a Baton module '${path}' that cannot exist`, {
      hint: 'the job input is damaged: run the workflow again',
    });
  }
  return new URL(`${path}${OWN_EXTENSION}`, OWN_SOURCE).href;
}

async function moduleUrl(input: JobInput, options: OneshotOptions): Promise<string> {
  let root: string;
  if ('package' in input.code) {
    // Loaded here, so the local executor, which imports this folder, never loads tar.
    const { fetchCodePackage } = await import('../packaging/index.ts');
    root = await fetchCodePackage(options.scratch, input.code.package, options.codeCache);
    await linkBaton(root);
  } else {
    root = input.code.root;
  }
  // Tasks passed as values (to map) name modules by the scheduler's paths: point those here.
  if (input.codeRoot) addModuleRoot(input.codeRoot, pathToFileURL(root + sep).href);
  if (input.batonRoot) addModuleRoot(input.batonRoot, OWN_SOURCE);
  if (input.task.module.startsWith('baton:'))
    return ownModuleUrl(input, input.task.module.slice('baton:'.length));
  const file = resolve(root, input.task.module);
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new WorkflowError(`job ${input.evalHash} names module ${input.task.module}, outside its code`, {
      hint: 'the job input is damaged: run the workflow again',
    });
  }
  return pathToFileURL(file).href;
}

/** Runs the job `evalHash` from scratch once; never throws for a task's failure or a bad input. */
export async function runOneshot(options: OneshotOptions): Promise<OneshotResult> {
  markWorkerContext(); // a task that calls run() here gets a clear error, not a second scheduler
  const files = new JobFiles(options.scratch, options.evalHash);
  const done = await files.outcome();
  if (done?.ok) return { exitCode: 0, ran: false, outcome: done };

  const startedAt = Date.now();
  let input: JobInput | undefined;
  let outcome: JobOutcome;
  try {
    const bytes = await files.readInput();
    if (!bytes) {
      throw new SerializationError(
        `job ${options.evalHash} has no input in scratch ${options.scratch.uri}`,
        'input',
        {
          hint: 'the scheduler writes it before it submits the job: check that both use the same scratch',
        },
      );
    }
    input = decodeJobInput(bytes, options.evalHash);
    await files.writeStatus({
      state: 'running',
      evalHash: options.evalHash,
      jobId: input.jobId,
      attempt: input.attempt,
      host: hostname(),
      pid: process.pid,
      startedAt,
    });
    const module = await moduleUrl(input, options);
    const def = await loadTask({ module, name: input.task.name, hash: input.task.hash });
    // Loaded here, like the packaging code: the local executor imports this folder and needs neither.
    const { stageIn, stageOut } = await import('../files/index.ts');
    const args = await stageIn(
      await unpackArgs(input, options.scratch),
      options.scratch,
      join(options.codeCache, 'files'),
    );
    const value = await def.fn(...(args as never[]));
    const result = encodeValue(await stageOut(value, options.scratch), 'result');
    outcome = { ok: true, value: result, startedAt, endedAt: Date.now() };
  } catch (error) {
    outcome = { ok: false, error: serializeError(error, 'application'), startedAt, endedAt: Date.now() };
  }
  await files.finish(
    outcome,
    { jobId: input?.jobId ?? '', attempt: input?.attempt ?? 0, startedAt: outcome.startedAt ?? startedAt },
    input?.largeValueBytes,
  );
  return { exitCode: outcome.ok ? 0 : 1, ran: true, outcome };
}
