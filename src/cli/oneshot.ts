// `baton oneshot`: runs one job inside a remote job (a container, a Slurm job, a Kubernetes pod).
// Not for people: executors write the command line.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { openScratch } from '../scratch/index.ts';
// The two files, not the folder's index: a job's start-up should not load the local executor's worker code.
import { ARRAY_INDEX_VARIABLES, arrayIndexFromEnv, runOneshotList } from '../worker/job-list.ts';
import { runOneshot } from '../worker/oneshot.ts';
import { parseCommandArgs, type Command } from './args.ts';

const HELP = `Usage: baton oneshot --scratch URI --job EVAL_HASH [--code-cache DIR]
       baton oneshot --scratch URI --list KEY [--index N] [--code-cache DIR]

Runs one job that a remote executor submitted: reads jobs/EVAL_HASH/input from the scratch, fetches and
verifies the code package, calls the task, and writes output or error and status back. When a valid
output is already there it exits at once. Executors write this command line; people do not need to.

  --scratch URI        the executor's scratch: a folder or s3://bucket/prefix
                       (S3 endpoint from BATON_S3_ENDPOINT, path-style with BATON_S3_PATH_STYLE=1)
  --job EVAL_HASH      the job to run
  --list KEY           an array element instead: run, one after another, the eval hashes on line N+1
                       of the scratch file KEY
  --index N            the element (default: the first set of ${ARRAY_INDEX_VARIABLES.join(', ')},
                       else 0)
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
      list: { type: 'string' },
      index: { type: 'string' },
    });
    const jobs = values.job ?? values.list;
    const oneJob = values.job !== undefined && values.list === undefined && values.index === undefined;
    const element = values.job === undefined && values.list !== undefined;
    if (
      positionals.length > 0 ||
      values.scratch === undefined ||
      jobs === undefined ||
      !(oneJob || element)
    ) {
      throw new UsageError(
        'baton oneshot needs --scratch URI and either --job EVAL_HASH or --list KEY [--index N], and nothing else',
        { hint: 'see baton oneshot --help' },
      );
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
        if (values.job !== undefined)
          return (await runOneshot({ scratch, evalHash: values.job, codeCache })).exitCode;
        const index = values.index === undefined ? arrayIndexFromEnv(ctx.env) : Number(values.index);
        return await runOneshotList({ scratch, listKey: jobs, index, codeCache });
      } catch (error) {
        // Only reached when scratch itself failed: the error file could not be written either.
        const what = values.job === undefined ? '' : `job ${values.job}: `; // list errors name the list
        ctx.err(`baton oneshot: ${what}${(error as Error).message}\n`);
        return 2;
      }
    } finally {
      await scratch.close?.();
    }
  },
};
