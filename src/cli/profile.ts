// `baton profile`: CPU or heap profiles of every live worker of a fleet executor, taken at once through
// their command channels in Redis, summed into one table (or one per worker), and saved on request.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { parseDuration } from '../task/index.ts';
import type { ProfileAnswer } from '../executors/fleet/index.ts';
import type { ThreadProfile } from '../worker/thread-profiles.ts';
import { parseCommandArgs, type Command } from './args.ts';
import { formatCpu, formatHeap, summarizeCpu } from './profile-report.ts';

const HELP = `Usage: baton profile [--executor NAME] [--cpu DURATION | --memory [--duration DURATION]]
                     [--per-worker] [--top N] [--out DIR]

Profiles every live worker of a fleet executor at the same time, each of its threads (the worker's
main thread and its task pool), and prints the functions that took the most CPU time across the fleet.

  --executor NAME    the fleet executor section (default: the only one with type = "fleet")
  --cpu DURATION     a CPU profile this long, e.g. 10s or 2m (the default, for 10s)
  --memory           a sampling heap profile instead: heap use per thread and the call sites that
                     hold the most live memory
  --duration D       how long to sample for --memory (default 10s)
  --per-worker       one table per worker instead of one for the fleet
  --top N            rows per table (default 20)
  --out DIR          also save each thread's profile (.cpuprofile / .heapprofile, which Chrome
                     DevTools and VS Code open) under DIR

Workers answer on their own connection to Redis; a worker that does not answer within the duration
plus 15 s is named and left out.`;

const DEFAULT_SECONDS = 10;

function duration(text: string, option: string): number {
  try {
    return parseDuration(text, option) * 1000;
  } catch {
    throw new UsageError(`baton profile: ${option} '${text}' is not a duration`, {
      hint: 'write e.g. 10s, 90s or 2m',
    });
  }
}

function fileName(answer: ProfileAnswer, index: number, thread: ThreadProfile): string {
  const safe = `${answer.worker.id}-${index}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe}.${thread.cpu ? 'cpuprofile' : 'heapprofile'}`;
}

export const profileCommand: Command = {
  name: 'profile',
  summary: 'profile the CPU or heap of every live worker of a fleet executor',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('profile', args, {
      executor: { type: 'string' },
      cpu: { type: 'string' },
      memory: { type: 'boolean' },
      duration: { type: 'string' },
      'per-worker': { type: 'boolean' },
      top: { type: 'string' },
      out: { type: 'string' },
    });
    const memory = values.memory === true;
    if (positionals.length > 0) throw new UsageError(`baton profile takes no argument '${positionals[0]!}'`);
    if (memory && values.cpu !== undefined) {
      throw new UsageError('baton profile: give --cpu or --memory, not both', {
        hint: 'for a heap profile of 30 s, write --memory --duration 30s',
      });
    }
    const given = values.cpu ?? values.duration;
    const ms = duration(given ?? `${DEFAULT_SECONDS}s`, values.cpu !== undefined ? '--cpu' : '--duration');
    const top = values.top === undefined ? 20 : Number(values.top);
    if (!Number.isSafeInteger(top) || top < 1) {
      throw new UsageError(`baton profile: --top must be a whole number >= 1, got '${values.top}'`);
    }
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const fleet = await import('../executors/fleet/index.ts');
    const { name, options } = fleet.fleetSection(config, values.executor);
    if (ms > fleet.MAX_PROFILE_MS) {
      throw new UsageError(
        `baton profile: workers take profiles of at most ${fleet.MAX_PROFILE_MS / 60_000} minutes`,
      );
    }
    const redis = await fleet.connectRedis(
      fleet.redisOptions(options, config.root, `executor ${name}`),
      name,
      options.url,
      'baton-profile',
    );
    const keys = new fleet.FleetKeys(options.prefix, options.queue);
    let round;
    try {
      const workers = await fleet.listWorkers(redis, keys);
      if (workers.length === 0) {
        ctx.err(
          `executor ${name}: no live workers on queue ${options.queue} of ${fleet.shownUrl(options.url)}\n`,
        );
        return 1;
      }
      const kind = memory ? 'memory' : 'cpu';
      ctx.err(`executor ${name}: ${kind} profile of ${workers.length} worker(s) for ${ms / 1000} s\n`);
      round = await fleet.collectProfiles(redis, keys, workers, { kind, ms });
    } finally {
      redis.disconnect();
    }
    for (const worker of round.silent) ctx.err(`worker ${worker.id} (${worker.host}) did not answer\n`);
    for (const answer of round.answers) {
      if (answer.error) ctx.err(`worker ${answer.worker.id} could not profile: ${answer.error}\n`);
    }
    const answers = round.answers.filter((answer) => !answer.error);
    if (values.out !== undefined) {
      const dir = resolve(ctx.cwd, values.out);
      await mkdir(dir, { recursive: true });
      for (const answer of answers) {
        for (const [index, thread] of answer.threads.entries()) {
          const profile = thread.cpu ?? thread.heap?.sampling;
          await writeFile(join(dir, fileName(answer, index, thread)), JSON.stringify(profile));
        }
      }
      ctx.err(`profiles saved under ${dir}\n`);
    }
    const section = (title: string, threads: ThreadProfile[]) => {
      const body = memory
        ? formatHeap(threads, top)
        : formatCpu(summarizeCpu(threads.flatMap((thread) => (thread.cpu ? [thread.cpu] : []))), top);
      return `${title}\n${body}\n`;
    };
    const threadCount = answers.reduce((sum, answer) => sum + answer.threads.length, 0);
    if (values['per-worker']) {
      ctx.out(
        answers
          .map((answer) =>
            section(
              `worker ${answer.worker.id} (${answer.worker.host}, pid ${answer.worker.pid}): ${answer.threads.length} threads`,
              answer.threads,
            ),
          )
          .join('\n'),
      );
    } else {
      ctx.out(
        section(
          `fleet: ${answers.length} workers, ${threadCount} threads`,
          answers.flatMap((answer) => answer.threads),
        ),
      );
    }
    return answers.length > 0 ? 0 : 1;
  },
};
