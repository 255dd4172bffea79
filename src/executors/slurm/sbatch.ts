// What Baton hands `sbatch`: the resource flags of a job, and the script that runs `baton oneshot` for
// one eval hash, or for the eval hashes on line SLURM_ARRAY_TASK_ID + 1 of a job list (array jobs).
import type { SlurmJobSettings } from './options.ts';

/** The sbatch flags a job's settings ask for; `sbatch_args` come last, so they win. */
export function resourceArgs(settings: SlurmJobSettings): string[] {
  const args: string[] = [];
  if (settings.partition !== undefined) args.push(`--partition=${settings.partition}`);
  if (settings.account !== undefined) args.push(`--account=${settings.account}`);
  if (settings.qos !== undefined) args.push(`--qos=${settings.qos}`);
  if (settings.vcpus !== undefined) args.push(`--cpus-per-task=${Math.ceil(settings.vcpus)}`);
  if (settings.memory !== undefined) args.push(`--mem=${Math.ceil(settings.memory * 1024)}M`);
  if (settings.gpus !== undefined && settings.gpus > 0) args.push(`--gres=gpu:${Math.ceil(settings.gpus)}`);
  // Slurm counts whole minutes; the executor stops the job at the exact limit itself.
  if (settings.timeLimit !== undefined)
    args.push(`--time=${Math.max(1, Math.ceil(settings.timeLimit / 60))}`);
  return [...args, ...settings.sbatch_args];
}

/** `text` as one word for bash, whatever it holds. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

export interface ScriptParts {
  setup: string[];
  batonCommand: string[];
  /** The scratch folder, as the nodes see it. */
  scratch: string;
  codeCache: string;
  /** The eval hash of a single job, or the scratch key of the job list of an array job. */
  job: { evalHash: string } | { list: string };
  /** A line for people who read the script (`scontrol write batch_script`). */
  title: string;
}

/** The batch script. */
export function jobScript(parts: ScriptParts): string {
  const lines = ['#!/bin/bash', `# ${parts.title.replaceAll('\n', ' ')}`, ...parts.setup];
  // oneshot reads the element's index from SLURM_ARRAY_TASK_ID itself.
  const job = 'evalHash' in parts.job ? ['--job', parts.job.evalHash] : ['--list', parts.job.list];
  const command = [...parts.batonCommand, 'oneshot', '--scratch', parts.scratch, ...job];
  lines.push(`exec ${[...command, '--code-cache', parts.codeCache].map(shellQuote).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The job name of a single job, by which a scheduler after a restart finds it. */
export function singleJobName(evalHash: string): string {
  return `baton-${evalHash}`;
}

export function arrayJobName(batch: string): string {
  return `baton-array-${batch}`;
}
