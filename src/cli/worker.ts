// `baton worker`: runs fleet jobs from Redis on this machine until stopped (SIGTERM or Ctrl-C drains:
// it finishes the tasks it holds and leaves; a second signal leaves at once).
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { parseCommandArgs, parseCount, type Command } from './args.ts';

const HELP = `Usage: baton worker [--executor NAME] [--concurrency N] [--tags a,b] [--code-cache DIR] [--id ID]

Takes jobs of a fleet executor from Redis and runs them here, until stopped. Start as many as you like,
on as many hosts as can reach Redis; each reads the [executors.NAME] section of baton.toml (url, queue,
scratch, ...). Tasks whose module exists here at the path the scheduler has are imported from it;
others come from the code package in scratch.

  --executor NAME      the fleet executor section (default: the only one with type = "fleet")
  --concurrency N      tasks run at once, each on a thread of its own (default: the number of CPUs)
  --tags a,b           tags this worker has, for tasks with a locality (its host name is one too)
  --code-cache DIR     where code packages are extracted (default: the section's code_cache, else $TMPDIR/baton-code)
  --id ID              the worker's name in baton workers (default: host-pid-random)

SIGTERM or Ctrl-C: finish the tasks held, then exit 0; a second signal exits at once. A worker that
dies or is cut off has its tasks taken up by another after the section's lock_duration.`;

function parseTags(text: string | undefined): string[] {
  if (text === undefined) return [];
  const tags = text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  for (const tag of tags) {
    if (!/^[A-Za-z0-9_.-]+$/.test(tag)) {
      throw new UsageError(`--tags: '${tag}' is not a tag`, {
        hint: 'tags are letters, digits, "_", "-" and ".", separated by commas',
      });
    }
  }
  return tags;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run jobs of a fleet executor from Redis on this machine',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('worker', args, {
      executor: { type: 'string' },
      concurrency: { type: 'string' },
      tags: { type: 'string' },
      'code-cache': { type: 'string' },
      id: { type: 'string' },
    });
    if (positionals.length > 0)
      throw new UsageError(`baton worker takes no arguments, got '${positionals[0]!}'`);
    const concurrency = parseCount(values.concurrency, '--concurrency', availableParallelism());
    const tags = parseTags(values.tags);
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const { fleetSection, shownUrl } = await import('../executors/fleet/index.ts');
    const { FleetWorker } = await import('../worker/fleet-worker.ts');
    const { name, options } = fleetSection(config, values.executor);
    const codeCache = resolve(
      config.root,
      values['code-cache'] ?? options.code_cache ?? join(tmpdir(), 'baton-code'),
    );
    const logger = {
      info: (message: string) => ctx.err(`${message}\n`),
      warn: (message: string) => ctx.err(`warning: ${message}\n`),
      debug: () => undefined,
    };
    const worker = new FleetWorker({
      executor: name,
      options,
      root: config.root,
      concurrency,
      tags,
      codeCache,
      logger,
      id: values.id,
    });
    await worker.start();
    ctx.err(
      `baton worker ${worker.id}: executor ${name}, queue ${options.queue} on ${shownUrl(options.url)}, ` +
        `concurrency ${concurrency}${tags.length > 0 ? `, tags ${tags.join(',')}` : ''}\n`,
    );
    await new Promise<void>((done) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          ctx.err(`baton worker ${worker.id}: leaving now\n`);
          process.exit(signal === 'SIGINT' ? 130 : 143);
        }
        stopping = true;
        ctx.err(`baton worker ${worker.id}: ${signal}: finishing the tasks held, then leaving\n`);
        void worker.drain().then(done, done);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    ctx.err(`baton worker ${worker.id}: done\n`);
    return 0;
  },
};
