// `baton cache ls|rm|gc`: the call cache's entries with their sizes, removing entries (their calls
// run again), and freeing the values nothing keeps any more.
import { UsageError } from '../errors.ts';
import {
  executionLiveness,
  type CacheFilter,
  type CacheListing,
  type CollectReport,
  type Store,
} from '../store/index.ts';
import { parseCommandArgs, parseCount, type CliContext, type Command } from './args.ts';
import { formatBytes, formatTime, plural, renderTable } from './format.ts';
import { openCliStore } from './store-access.ts';
import { parsePointInTime } from './when.ts';

const HELP = `Usage: baton cache ls [--task NAME] [--older-than WHEN] [--limit N] [--json]
       baton cache rm (EVAL_HASH... | --task NAME | --older-than WHEN) [--json]
       baton cache gc [--older-than WHEN] [--dry-run] [--json]

The call cache maps each call (its eval hash: the hash of the task's code and of the arguments) to
the value it produced; a call found there is not run again.

  ls   the entries, newest first: eval hash (its first 16 characters name it), task, size of the
       value, when it was made and the execution that made it; then their number and total size
  rm   removes entries, so their calls run again: those named by eval hash (or a unique prefix), or
       every entry of --task NAME and/or made before --older-than; then frees, as gc does, the values
       nothing keeps any more
  gc   frees the values nothing keeps: no cache entry points at them and they are not the result
       of a recorded execution (baton result prints those). With --older-than, the entries made
       before it are removed first, and the results of executions that ended before it are let go.
       Values written since the oldest run still going started are kept: it may need them.

  --task NAME        only entries of calls of this task
  --older-than WHEN  only entries made before WHEN: a duration back from now (30d, 12h, 2w) or a date
                     in local time (2025-01-31)
  --limit N          how many entries ls lists (default 50)
  --dry-run          gc: say what would be freed, free nothing
  --json             print machine-readable JSON instead`;

const DEFAULT_LIMIT = 50;
/** Running executions read to find the oldest one still going. */
const RUNNING_SCAN = 10_000;

interface CacheArgs {
  action: 'ls' | 'rm' | 'gc';
  hashes: string[];
  filter: CacheFilter;
  limit: number;
  dryRun: boolean;
  json: boolean;
}

function parse(args: string[]): CacheArgs {
  const { values, positionals } = parseCommandArgs('cache', args, {
    task: { type: 'string' },
    'older-than': { type: 'string' },
    limit: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const [action, ...hashes] = positionals;
  if (action !== 'ls' && action !== 'rm' && action !== 'gc') {
    throw new UsageError(
      action === undefined ? 'baton cache needs an action' : `unknown baton cache action '${action}'`,
      { hint: 'baton cache ls, baton cache rm or baton cache gc; see baton cache --help' },
    );
  }
  const olderThan = values['older-than'];
  const filter: CacheFilter = {
    taskName: values.task,
    createdBefore: olderThan === undefined ? undefined : parsePointInTime(olderThan, '--older-than'),
  };
  const selected = filter.taskName !== undefined || filter.createdBefore !== undefined;
  if (action === 'rm' && hashes.length === 0 && !selected) {
    throw new UsageError('baton cache rm needs the entries to remove', {
      hint: 'give eval hashes (baton cache ls shows them), --task NAME or --older-than WHEN',
    });
  }
  if (hashes.length > 0 && (action !== 'rm' || selected)) {
    throw new UsageError(
      action === 'rm'
        ? 'baton cache rm takes eval hashes or --task/--older-than, not both'
        : `baton cache ${action} takes no eval hashes`,
      { hint: 'see baton cache --help' },
    );
  }
  if (action === 'gc' && filter.taskName !== undefined) {
    throw new UsageError('baton cache gc takes no --task', {
      hint: 'baton cache rm --task NAME removes the entries of one task and frees their values',
    });
  }
  return {
    action,
    hashes,
    filter,
    limit: parseCount(values.limit, '--limit', DEFAULT_LIMIT),
    dryRun: values['dry-run'] ?? false,
    json: values.json ?? false,
  };
}

export const cacheCommand: Command = {
  name: 'cache',
  summary: 'list the call cache with sizes, remove entries, free unused values',
  help: HELP,
  async run(args, ctx) {
    const parsed = parse(args);
    const { store } = await openCliStore(ctx);
    if (!store) {
      const empty = parsed.action === 'ls' ? { entries: [], count: 0, bytes: 0 } : { values: 0, bytes: 0 };
      ctx.out(parsed.json ? `${JSON.stringify(empty)}\n` : 'the cache is empty: nothing has run yet\n');
      return 0;
    }
    try {
      if (parsed.action === 'ls') {
        const listing = await store.listCache({ ...parsed.filter, limit: parsed.limit });
        ctx.out(parsed.json ? `${JSON.stringify(listing, null, 2)}\n` : renderListing(listing));
      } else if (parsed.action === 'rm') {
        await remove(store, parsed, ctx);
      } else {
        await collect(store, parsed, ctx);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};

function renderListing(listing: CacheListing): string {
  if (listing.count === 0) return 'no cache entries match\n';
  const rows = listing.entries.map((entry) => [
    entry.evalHash.slice(0, 16),
    entry.taskName ?? '?',
    entry.size === undefined ? '-' : formatBytes(entry.size),
    formatTime(entry.createdAt),
    entry.executionId,
  ]);
  const lines = renderTable(['eval hash', 'task', 'size', 'made', 'execution'], rows, new Set([2]));
  const shown =
    listing.entries.length < listing.count ? ` (${listing.entries.length} shown; --limit N for more)` : '';
  lines.push(`${entryCount(listing.count)}, values of ${formatBytes(listing.bytes)}${shown}`);
  return `${lines.join('\n')}\n`;
}

/** The full eval hash a prefix names; a clear error when it names none or several. */
async function resolveHash(store: Store, prefix: string): Promise<string> {
  const found = await store.listCache({ evalHashPrefix: prefix, limit: 2 });
  const [first] = found.entries;
  if (!first) {
    throw new UsageError(`no cache entry has an eval hash starting with '${prefix}'`, {
      hint: 'baton cache ls shows the entries',
    });
  }
  if (found.count > 1) {
    throw new UsageError(`eval hash prefix '${prefix}' matches ${found.count} cache entries`, {
      hint: 'give more characters of the eval hash',
    });
  }
  return first.evalHash;
}

async function remove(store: Store, parsed: CacheArgs, ctx: CliContext): Promise<void> {
  let removed = 0;
  if (parsed.hashes.length > 0) {
    // Every hash is checked before any entry goes.
    const full = [];
    for (const prefix of parsed.hashes) full.push(await resolveHash(store, prefix));
    for (const evalHash of full) removed += await store.removeCache({ evalHashPrefix: evalHash });
  } else {
    removed = await store.removeCache(parsed.filter);
  }
  const freed = await store.collectValues({ createdBefore: await protectedSince(store) });
  ctx.out(
    parsed.json
      ? `${JSON.stringify({ entries: removed, freed })}\n`
      : `removed ${entryCount(removed)} (their calls run again); ${freedText(freed, false)}\n`,
  );
}

async function collect(store: Store, parsed: CacheArgs, ctx: CliContext): Promise<void> {
  const cutoff = parsed.filter.createdBefore;
  let removed = 0;
  let removedBytes = 0;
  if (cutoff !== undefined) {
    const old = await store.listCache({ createdBefore: cutoff, limit: 0 });
    removedBytes = old.bytes;
    removed = parsed.dryRun ? old.count : await store.removeCache({ createdBefore: cutoff });
  }
  const freed = await store.collectValues({
    createdBefore: await protectedSince(store),
    resultsEndedSince: cutoff,
    dryRun: parsed.dryRun,
  });
  if (parsed.json) {
    ctx.out(`${JSON.stringify({ dryRun: parsed.dryRun, entries: removed, freed })}\n`);
    return;
  }
  if (cutoff === undefined) {
    ctx.out(`${freedText(freed, parsed.dryRun)}\n`);
  } else if (parsed.dryRun) {
    // Nothing is removed in a dry run, so what the old entries alone keep is not counted as freed.
    ctx.out(
      `would remove ${entryCount(removed)} made before ${formatTime(cutoff)} (pointing at values of ${formatBytes(removedBytes)}, freed unless something else keeps them); ` +
        (freed.values === 0
          ? 'no other values to free'
          : `besides, ${freedText(freed, true)} that nothing keeps now`) +
        '\n',
    );
  } else {
    ctx.out(`removed ${entryCount(removed)} made before ${formatTime(cutoff)}; ${freedText(freed, false)}\n`);
  }
}

function entryCount(n: number): string {
  return `${n} cache ${n === 1 ? 'entry' : 'entries'}`;
}

function freedText(freed: CollectReport, dryRun: boolean): string {
  if (freed.values === 0) return 'no values to free';
  return `${dryRun ? 'would free' : 'freed'} ${plural(freed.values, 'value')} (${formatBytes(freed.bytes)})`;
}

/** Values written since the oldest live run started may be about to get their cache entries. */
async function protectedSince(store: Store): Promise<number> {
  const now = Date.now();
  const running = await store.listExecutions({ status: 'running', limit: RUNNING_SCAN });
  let since = now;
  for (const execution of running) {
    if (executionLiveness(execution, now).state === 'live') since = Math.min(since, execution.startedAt);
  }
  return since;
}
