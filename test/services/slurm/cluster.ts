// The single-node Slurm cluster that scripts/ensure-slurm.sh installs and starts (TESTBED.md), as the
// Slurm suite and benchmark use it: is it there, how jobs start Baton, and what Slurm lists.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { partitionCpus } from '../../../src/executors/slurm/commands.ts';

export const BATON_REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
/** The jobs run Baton from its sources with this Node, as an installed `baton` would. */
export const BATON_COMMAND = [
  process.execPath,
  '--conditions=baton-source',
  join(BATON_REPO, 'src/cli/main.ts'),
];
/** Compiled modules cached across jobs: Baton from its TypeScript sources starts in half the time. */
export const SETUP = ['export NODE_COMPILE_CACHE=/tmp/baton-slurm-compile-cache'];
export const NODE = hostname().split('.')[0]!;

/** Whether a Slurm node answers here; under CI=true its absence is a failure, not a skip. */
export function slurmMissing(): string | undefined {
  let reason: string | undefined;
  try {
    const state = execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' }).trim();
    if (!/^(idle|mixed|allocated|completing)/m.test(state)) reason = `the Slurm node is '${state}', not up`;
  } catch (error) {
    reason = `sinfo failed (${(error as Error).message.split('\n')[0]})`;
  }
  if (reason === undefined) return undefined;
  const message = `a running Slurm is needed: ${reason}; start one with bash scripts/ensure-slurm.sh (TESTBED.md)`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

/** The CPUs of the default partition, as the executor's `calls_per_element = "auto"` reads them. */
export function cpus(): number {
  const out = execFileSync('sinfo', ['--noheader', '--format=%P %C'], { encoding: 'utf8' });
  const total = partitionCpus(out, undefined);
  if (total === undefined) throw new Error(`sinfo did not say how many CPUs the partition has: ${out}`);
  return total;
}

export interface SlurmJob {
  id: string;
  state: string;
  name: string;
}

/** Every job Slurm lists, ended ones included (for MinJobAge), one line per array element. */
export function slurmJobs(): SlurmJob[] {
  const out = execFileSync('squeue', ['-h', '-r', '-t', 'all', '-o', '%i|%T|%j'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, state, name] = line.trim().split('|');
      return { id: id!, state: state!, name: name! };
    });
}

/** The Slurm job names a project's executor submitted, from the records in its scratch. */
export function projectJobNames(dir: string): Set<string> {
  const jobs = join(dir, '.baton/scratch/jobs');
  const names = new Set<string>();
  if (!existsSync(jobs)) return names;
  for (const hash of readdirSync(jobs)) {
    const record = join(jobs, hash, 'slurm');
    if (existsSync(record)) names.add((JSON.parse(readFileSync(record, 'utf8')) as { name: string }).name);
  }
  return names;
}

/** The project's jobs that are still waiting or running. */
export function liveJobs(dir: string): SlurmJob[] {
  const names = projectJobNames(dir);
  return slurmJobs().filter(
    (job) =>
      names.has(job.name) &&
      !/^(COMPLETED|CANCELLED|FAILED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE)/.test(
        job.state,
      ),
  );
}

/** Cancels whatever a test's project left in Slurm. */
export function cancelProjectJobs(dir: string): void {
  for (const name of projectJobNames(dir)) execFileSync('scancel', ['--name', name], { stdio: 'ignore' });
}

/** Sets the node down (failing its jobs), or back up; ReturnToService=2 may have done that already. */
export function setNodeState(state: 'down' | 'resume'): void {
  const args = ['update', `nodename=${NODE}`, `state=${state}`];
  if (state === 'down') args.push('reason=baton-test');
  try {
    execFileSync('scontrol', args, { stdio: 'ignore' });
  } catch (error) {
    if (state === 'down') throw error;
  }
}
