// `baton workers`: the live workers of a fleet executor, from their heartbeats in Redis.
import { loadConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { parseCommandArgs, type Command } from './args.ts';

const HELP = `Usage: baton workers [--executor NAME] [--json]

Lists the live workers of a fleet executor (those whose heartbeat has not expired): id, host, tags,
concurrency, the tasks each holds now, how many it has finished, and how long it has been up.

  --executor NAME   the fleet executor section (default: the only one with type = "fleet")
  --json            print the same as JSON`;

function uptime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`;
}

export const workersCommand: Command = {
  name: 'workers',
  summary: 'list the live workers of a fleet executor',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('workers', args, {
      executor: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0)
      throw new UsageError(`baton workers takes no arguments, got '${positionals[0]!}'`);
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const { FleetKeys, connectRedis, fleetSection, listWorkers, redisOptions, shownUrl } =
      await import('../executors/fleet/index.ts');
    const { name, options } = fleetSection(config, values.executor);
    const redis = await connectRedis(
      redisOptions(options, config.root, `executor ${name}`),
      name,
      options.url,
      'baton-workers',
    );
    let workers;
    try {
      workers = await listWorkers(redis, new FleetKeys(options.prefix, options.queue));
    } finally {
      redis.disconnect();
    }
    if (values.json) {
      ctx.out(`${JSON.stringify(workers, null, 2)}\n`);
      return 0;
    }
    const now = Date.now();
    const rows = [
      ['ID', 'HOST', 'TAGS', 'CONCURRENCY', 'RUNNING', 'DONE', 'UPTIME', 'STATE'],
      ...workers.map((worker) => [
        worker.id,
        worker.host,
        worker.tags.join(',') || '-',
        String(worker.concurrency),
        String(worker.running),
        String(worker.done),
        uptime(now - worker.startedAt),
        worker.draining ? 'draining' : 'ready',
      ]),
    ];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    ctx.err(
      `executor ${name}: queue ${options.queue} on ${shownUrl(options.url)}: ${workers.length} live workers\n`,
    );
    if (workers.length > 0) {
      ctx.out(
        `${rows
          .map((row) =>
            row
              .map((cell, i) => cell.padEnd(widths[i]!))
              .join('  ')
              .trimEnd(),
          )
          .join('\n')}\n`,
      );
    }
    return 0;
  },
};
