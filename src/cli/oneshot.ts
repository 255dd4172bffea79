// `baton oneshot`: runs one job inside a remote job (a container, a Slurm job, a Kubernetes pod).
// Not for people: executors write the command line.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { openScratch } from '../scratch/index.ts';
import { runOneshot } from '../worker/oneshot.ts';
import { parseCommandArgs, type Command } from './args.ts';

const HELP = `Usage: baton oneshot --scratch URI --job EVAL_HASH [--code-cache DIR]

Runs one job that a remote executor submitted: reads jobs/EVAL_HASH/input from the scratch, fetches and
verifies the code package, calls the task, and writes output or error and status back. When a valid
output is already there it exits at once. Executors write this command line; people do not need to.

  --scratch URI        the executor's scratch: a folder or s3://bucket/prefix
                       (S3 endpoint from BATON_S3_ENDPOINT, path-style with BATON_S3_PATH_STYLE=1)
  --job EVAL_HASH      the job to run
  --code-cache DIR     where code packages are extracted (default: $TMPDIR/baton-code); put it under
                       the folder whose node_modules the task's imports resolve from

Exit status: 0 when the task succeeded, 1 when it failed (the error is in scratch), 2 when the
scratch could not be used.`;

export const oneshotCommand: Command = {
  name: 'oneshot',
  summary: 'run one job of a remote executor (used inside jobs)',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('oneshot', args, {
      scratch: { type: 'string' },
      job: { type: 'string' },
      'code-cache': { type: 'string' },
    });
    if (positionals.length > 0 || values.scratch === undefined || values.job === undefined) {
      throw new UsageError('baton oneshot needs --scratch URI and --job EVAL_HASH, and nothing else', {
        hint: 'see baton oneshot --help',
      });
    }
    const endpoint = ctx.env.BATON_S3_ENDPOINT;
    const scratch = openScratch(values.scratch, {
      cwd: ctx.cwd,
      s3: endpoint
        ? { endpoint, forcePathStyle: ctx.env.BATON_S3_PATH_STYLE === '1' || undefined }
        : undefined,
    });
    try {
      const codeCache = resolve(ctx.cwd, values['code-cache'] ?? join(tmpdir(), 'baton-code'));
      try {
        // The outcome is in scratch; the task's own output is all this process prints.
        return (await runOneshot({ scratch, evalHash: values.job, codeCache })).exitCode;
      } catch (error) {
        // Only reached when scratch itself failed: the error file could not be written either.
        ctx.err(`baton oneshot: job ${values.job}: ${(error as Error).message}\n`);
        return 2;
      }
    } finally {
      await scratch.close?.();
    }
  },
};
