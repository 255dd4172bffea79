// `baton push URL` and `baton pull URL`: copy executions, with their jobs, tasks, values and cache
// entries, from the configured store to another one, or from another one into it.
import { loadConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import {
  backendStoreOptions,
  describeStore,
  openStore,
  transfer,
  type Store,
  type TransferReport,
} from '../store/index.ts';
import { parseCommandArgs, type CliContext, type Command } from './args.ts';

function help(direction: 'push' | 'pull'): string {
  const [from, to] =
    direction === 'push'
      ? ['the configured store', 'the store at URL']
      : ['the store at URL', 'the configured store'];
  return `Usage: baton ${direction} URL [ID ...] [--values WHERE] [--json]

Copies executions (every one, or those whose ids or id prefixes are given) from ${from} to ${to},
with their jobs, tasks, the values they produced and the cache entries of their calls, so that
${to} serves those calls from its cache. What ${to} already has in the same state is skipped,
so running it again copies only what is new.

  URL             sqlite:PATH or postgres://USER@HOST/DATABASE[?schema=NAME]; keep the password
                  in PGPASSWORD or ~/.pgpass rather than on the command line
  --values WHERE  the value store of the store at URL: a folder or s3://bucket/prefix
                  (default: values/ beside a SQLite file; inside the database for PostgreSQL)
  --json          print the counts as JSON

Example: baton push postgres://alice@db.example.com/baton --values s3://team-bucket/baton-values`;
}

function summary(report: TransferReport, direction: 'push' | 'pull', other: string): string {
  const mib = (report.bytes / (1024 * 1024)).toFixed(1);
  const what =
    `${report.executions} executions (${report.jobs} jobs, ${report.tasks} tasks, ` +
    `${report.cacheEntries} cache entries, ${report.values} values, ${mib} MiB)`;
  const missing =
    report.missingValues > 0
      ? `; ${report.missingValues} values were missing from the source, so their calls stay uncached`
      : '';
  return `${direction === 'push' ? 'pushed' : 'pulled'} ${what} ${direction === 'push' ? 'to' : 'from'} ${other}; ${report.unchanged} already there${missing}\n`;
}

async function runTransfer(direction: 'push' | 'pull', args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(direction, args, {
    values: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [url, ...ids] = positionals;
  if (url === undefined) {
    throw new UsageError(`baton ${direction} needs the URL of the other store`, {
      hint: `baton ${direction} postgres://USER@HOST/DATABASE, or baton ${direction} sqlite:PATH; see baton ${direction} --help`,
    });
  }
  const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
  const own = await openStore(config.backend.db, backendStoreOptions(config));
  let other: Store | undefined;
  try {
    other = await openStore(url, { cwd: ctx.cwd, values: values.values, s3: config.backend.s3 });
    const [from, to] = direction === 'push' ? [own, other] : [other, own];
    const report = await transfer(from, to, {
      executions: ids,
      onExecution: (execution, copied) => {
        if (copied)
          ctx.err(`copied execution ${execution.id} (${execution.taskName}, ${execution.status})\n`);
      },
    });
    ctx.out(
      values.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report, direction, describeStore(other)),
    );
  } finally {
    await other?.close();
    await own.close();
  }
  return 0;
}

export const pushCommand: Command = {
  name: 'push',
  summary: 'copy executions and their cached values from the configured store to another',
  help: help('push'),
  run: (args, ctx) => runTransfer('push', args, ctx),
};

export const pullCommand: Command = {
  name: 'pull',
  summary: 'copy executions and their cached values from another store into the configured one',
  help: help('pull'),
  run: (args, ctx) => runTransfer('pull', args, ctx),
};
