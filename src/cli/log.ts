// `baton log [ID]`: the recent executions, or one execution's job tree.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type BatonConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import {
  backendStoreOptions,
  openStore,
  type ExecutionRecord,
  type JobRecord,
  type Store,
} from '../store/index.ts';
import { parseCommandArgs, parseCount, type Command } from './args.ts';
import { formatTime, renderTable, span } from './format.ts';

const HELP = `Usage: baton log [ID] [--json] [--limit N]

Without ID: the most recent executions (id, task, start, duration, status, jobs, cache hits).
With ID (or a unique prefix of it): that execution's jobs as a tree (a job's children are the calls
its task returned), with status, executor, duration and where cache hits came from.

  --limit N   how many executions to list (default 20)
  --json      print machine-readable JSON instead`;

const DEFAULT_LIMIT = 20;

export const logCommand: Command = {
  name: 'log',
  summary: "list recent executions, or show one execution's jobs",
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('log', args, {
      json: { type: 'boolean' },
      limit: { type: 'string' },
    });
    if (positionals.length > 1)
      throw new UsageError(`baton log takes at most one ID, got ${positionals.length}`, {
        hint: 'see baton log --help',
      });
    const limit = parseCount(values.limit, '--limit', DEFAULT_LIMIT);
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const id = positionals[0];
    const store = await openExistingStore(config);
    if (!store) {
      if (id !== undefined) throw noSuchExecution(id);
      ctx.out(values.json ? '[]\n' : 'no executions recorded yet — start one with baton run FILE TASK\n');
      return 0;
    }
    try {
      if (id === undefined) {
        const executions = await store.listExecutions({ limit });
        ctx.out(values.json ? `${JSON.stringify(executions, null, 2)}\n` : listing(executions));
        return 0;
      }
      const execution = await store.getExecution(id);
      if (!execution) throw noSuchExecution(id);
      const jobs = await store.listJobs(execution.id);
      ctx.out(values.json ? `${JSON.stringify({ execution, jobs }, null, 2)}\n` : details(execution, jobs));
      return 0;
    } finally {
      await store.close();
    }
  },
};

function noSuchExecution(id: string): UsageError {
  return new UsageError(`no execution has an id starting with '${id}'`, {
    hint: 'baton log lists the recent executions',
  });
}

/** The store, or undefined when its SQLite file does not exist yet (a read must not create it). */
async function openExistingStore(config: BatonConfig): Promise<Store | undefined> {
  const db = config.backend.db;
  if (db.startsWith('sqlite:')) {
    const path = db.slice('sqlite:'.length);
    if (path !== ':memory:' && !existsSync(resolve(config.root, path))) return undefined;
  }
  return openStore(db, backendStoreOptions(config));
}

function listing(executions: readonly ExecutionRecord[]): string {
  if (executions.length === 0) return 'no executions recorded yet — start one with baton run FILE TASK\n';
  const rows = executions.map((e) => [
    e.id,
    e.taskName,
    formatTime(e.startedAt),
    e.status === 'running' ? 'running' : span(e.startedAt, e.endedAt),
    e.status,
    String(e.counts?.jobs ?? '-'),
    String(e.counts?.cached ?? '-'),
  ]);
  const header = ['id', 'task', 'started', 'duration', 'status', 'jobs', 'cached'];
  return `${renderTable(header, rows, new Set([5, 6])).join('\n')}\n`;
}

function details(execution: ExecutionRecord, jobs: readonly JobRecord[]): string {
  const counts = execution.counts;
  const lines = [
    `execution ${execution.id}: ${execution.taskName}(${execution.argsPreview}) — ${execution.status}`,
    `  started ${formatTime(execution.startedAt)}, took ${span(execution.startedAt, execution.endedAt)}` +
      (counts ? `, ${counts.jobs} jobs (${counts.cached} cached, ${counts.failed} failed)` : ''),
    `  on ${execution.host} in ${execution.cwd}: ${execution.argv.join(' ')}`,
  ];
  if (execution.error)
    lines.push(`  error: ${execution.error.name}: ${execution.error.message.split('\n')[0] ?? ''}`);
  lines.push('');
  if (jobs.length === 0) {
    lines.push('no jobs recorded');
    return `${lines.join('\n')}\n`;
  }
  const ordered = treeOrder(jobs);
  const rows = ordered.map(({ job, depth }) => [
    `${'  '.repeat(depth)}${job.taskName}`,
    job.status,
    job.executor,
    String(job.attempt),
    span(job.startedAt, job.endedAt),
    job.cachedFromExecutionId ? `execution ${job.cachedFromExecutionId}` : '',
  ]);
  const table = renderTable(
    ['task', 'status', 'executor', 'attempt', 'duration', 'cached from'],
    rows,
    new Set([3]),
  );
  lines.push(table[0]!.trimEnd());
  ordered.forEach(({ job, depth }, i) => {
    lines.push(table[i + 1]!.trimEnd());
    if (job.error && (job.status === 'failed' || job.status === 'cancelled')) {
      lines.push(`${'  '.repeat(depth + 2)}${job.error.name}: ${job.error.message.split('\n')[0] ?? ''}`);
    }
  });
  return `${lines.join('\n')}\n`;
}

/** Jobs depth-first, children under their parent in the order they were queued (iterative: trees can be deep). */
export function treeOrder(jobs: readonly JobRecord[]): Array<{ job: JobRecord; depth: number }> {
  const ids = new Set(jobs.map((job) => job.id));
  const children = new Map<string | undefined, JobRecord[]>();
  for (const job of jobs) {
    const parent = job.parentId !== undefined && ids.has(job.parentId) ? job.parentId : undefined;
    const list = children.get(parent);
    if (list) list.push(job);
    else children.set(parent, [job]);
  }
  const out: Array<{ job: JobRecord; depth: number }> = [];
  const stack = (children.get(undefined) ?? []).map((job) => ({ job, depth: 0 })).reverse();
  while (stack.length > 0) {
    const next = stack.pop()!;
    out.push(next);
    const kids = children.get(next.job.id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ job: kids[i]!, depth: next.depth + 1 });
  }
  return out;
}
