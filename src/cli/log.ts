// `baton log [ID]`: the recent executions (filtered by status, task and start), or one execution's
// job tree; `baton log --job ID` is in log-job.ts.
import { UsageError } from '../errors.ts';
import {
  executionLiveness,
  shownStatus,
  type ExecutionQuery,
  type ExecutionRecord,
  type JobRecord,
  type Store,
} from '../store/index.ts';
import { parseCommandArgs, parseCount, type Command } from './args.ts';
import { formatTime, renderTable, span } from './format.ts';
import { jobDetails } from './log-job.ts';
import { findExecution, noSuchExecution, openCliStore } from './store-access.ts';
import { parsePointInTime } from './when.ts';

const HELP = `Usage: baton log [ID] [--status STATUS] [--task NAME] [--since WHEN] [--limit N] [--json]
       baton log --job JOB [--json]

Without ID: the most recent executions (id, task, start, duration, status, jobs, cache hits).
With ID (or a unique prefix of it): that execution's jobs as a tree (a job's children are the calls
its task returned), with status, executor, duration and where cache hits came from.
With --job: one job in detail: its task and hashes, executor, attempts, timings, a preview of its
arguments and of its result or its error with the stack, and for a cache hit the execution that
computed it.

A run recorded as running whose process is gone (killed, or its machine lost) is shown as lost.

  --status STATUS  only executions with this status: running, done, failed, cancelled or lost
  --task NAME      only executions of this task
  --since WHEN     only executions started since WHEN: a duration back from now (30m, 2h, 7d, 2w)
                   or a date in local time (2025-01-31, '2025-01-31 14:00')
  --limit N        how many executions to list (default 20)
  --job JOB        one job in detail, by id or unique prefix
  --json           print machine-readable JSON instead`;

const DEFAULT_LIMIT = 20;
const STATUSES = ['running', 'done', 'failed', 'cancelled', 'lost'] as const;
/** Running executions read to pick the lost (or live) ones from: more are not running at once. */
const RUNNING_SCAN = 10_000;

export const logCommand: Command = {
  name: 'log',
  summary: "list recent executions, or show one execution's jobs",
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('log', args, {
      json: { type: 'boolean' },
      limit: { type: 'string' },
      status: { type: 'string' },
      task: { type: 'string' },
      since: { type: 'string' },
      job: { type: 'string' },
    });
    if (positionals.length > 1 || (values.job !== undefined && positionals.length > 0))
      throw new UsageError(
        values.job === undefined
          ? `baton log takes at most one ID, got ${positionals.length}`
          : 'baton log --job takes no execution ID',
        { hint: 'see baton log --help' },
      );
    const query = listQuery(values);
    const { store } = await openCliStore(ctx);
    const id = positionals[0];
    if (!store) {
      if (id !== undefined) throw noSuchExecution(id);
      if (values.job !== undefined) throw noSuchJob(values.job);
      ctx.out(values.json ? '[]\n' : 'no executions recorded yet — start one with baton run FILE TASK\n');
      return 0;
    }
    try {
      if (values.job !== undefined) {
        const job = await store.getJob(values.job);
        if (!job) throw noSuchJob(values.job);
        ctx.out(await jobDetails(store, job, values.json ?? false));
        return 0;
      }
      if (id === undefined) {
        const executions = await listExecutions(store, query);
        ctx.out(
          values.json
            ? `${JSON.stringify(executions.map(withLiveness), null, 2)}\n`
            : listing(executions, query),
        );
        return 0;
      }
      const execution = await findExecution(store, id);
      const jobs = await store.listJobs(execution.id);
      ctx.out(
        values.json
          ? `${JSON.stringify({ execution: withLiveness(execution), jobs }, null, 2)}\n`
          : details(execution, jobs),
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};

interface ListQuery extends ExecutionQuery {
  limit: number;
  /** `lost` and `running` are told apart by liveness, after the store's `running`. */
  shown: (typeof STATUSES)[number] | undefined;
}

function listQuery(values: { limit?: string; status?: string; task?: string; since?: string }): ListQuery {
  const status = values.status;
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status ${status} is not a status`, { hint: `use one of ${STATUSES.join(', ')}` });
  }
  return {
    limit: parseCount(values.limit, '--limit', DEFAULT_LIMIT),
    status: status === 'lost' ? 'running' : status,
    shown: status as ListQuery['shown'],
    taskName: values.task,
    since: values.since === undefined ? undefined : parsePointInTime(values.since, '--since'),
  };
}

async function listExecutions(store: Store, query: ListQuery): Promise<ExecutionRecord[]> {
  if (query.shown !== 'running' && query.shown !== 'lost') return store.listExecutions(query);
  const now = Date.now();
  const running = await store.listExecutions({ ...query, limit: RUNNING_SCAN });
  return running.filter((e) => shownStatus(e, now) === query.shown).slice(0, query.limit);
}

function noSuchJob(id: string): UsageError {
  return new UsageError(`no job has an id starting with '${id}'`, {
    hint: 'baton log ID lists the jobs of an execution',
  });
}

/** The record as --json shows it: `lost` says why a run recorded as running is not running. */
function withLiveness(execution: ExecutionRecord): ExecutionRecord & { lost?: string } {
  const liveness = executionLiveness(execution);
  return liveness.state === 'lost' ? { ...execution, lost: liveness.reason } : execution;
}

function listing(executions: readonly ExecutionRecord[], query: ListQuery): string {
  if (executions.length === 0) {
    const filtered = query.status !== undefined || query.taskName !== undefined || query.since !== undefined;
    return filtered
      ? 'no executions match — baton log without filters lists the recent ones\n'
      : 'no executions recorded yet — start one with baton run FILE TASK\n';
  }
  const now = Date.now();
  const rows = executions.map((e) => {
    const status = shownStatus(e, now);
    return [
      e.id,
      e.taskName,
      formatTime(e.startedAt),
      status === 'running' ? 'running' : span(e.startedAt, e.endedAt),
      status,
      String(e.counts?.jobs ?? '-'),
      String(e.counts?.cached ?? '-'),
    ];
  });
  const header = ['id', 'task', 'started', 'duration', 'status', 'jobs', 'cached'];
  const lines = renderTable(header, rows, new Set([5, 6]));
  if (rows.some((row) => row[4] === 'lost')) {
    lines.push('', 'lost: recorded as running, but the process that ran it is gone — baton log ID says more');
  }
  return `${lines.join('\n')}\n`;
}

function details(execution: ExecutionRecord, jobs: readonly JobRecord[]): string {
  const counts = execution.counts;
  const liveness = executionLiveness(execution);
  const lines = [
    `execution ${execution.id}: ${execution.taskName}(${execution.argsPreview}) — ${shownStatus(execution)}`,
    `  started ${formatTime(execution.startedAt)}, took ${span(execution.startedAt, execution.endedAt)}` +
      (counts ? `, ${counts.jobs} jobs (${counts.cached} cached, ${counts.failed} failed)` : ''),
    `  on ${execution.host} in ${execution.cwd}: ${execution.argv.join(' ')}`,
  ];
  if (liveness.state === 'lost') {
    lines.push(
      `  lost: ${liveness.reason} without recording an end — baton cancel ${execution.id} records it as cancelled`,
    );
  } else if (execution.cancelRequestedAt !== undefined && execution.status === 'running') {
    lines.push(`  cancel requested at ${formatTime(execution.cancelRequestedAt)}`);
  }
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
