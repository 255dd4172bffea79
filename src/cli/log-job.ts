// `baton log --job ID`: one job in detail, from its record, its task's record and its stored result.
import { fileURLToPath } from 'node:url';
import { decodeValue } from '../codec/index.ts';
import { preview } from '../scheduler/index.ts';
import type { JobRecord, Store, TaskRecord } from '../store/index.ts';
import { formatDuration, formatTime, renderTable } from './format.ts';

/** Stored results larger than this are not decoded for a preview. */
const PREVIEW_BYTE_LIMIT = 4 * 1024 * 1024;
const PREVIEW_CHARS = 200;

type ResultPreview = { text: string } | { unavailable: string };

async function resultPreview(store: Store, job: JobRecord): Promise<ResultPreview | undefined> {
  if (job.resultHash === undefined) return undefined;
  const bytes = await store.getValue(job.resultHash);
  if (!bytes) return { unavailable: 'no longer in the store (baton cache gc removed it)' };
  if (bytes.byteLength > PREVIEW_BYTE_LIMIT) {
    return { unavailable: `${bytes.byteLength} bytes, too large to preview` };
  }
  try {
    return { text: preview(decodeValue(bytes), PREVIEW_CHARS) };
  } catch (error) {
    return { unavailable: `cannot decode: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Where the task's module is, as a path when it is a file. */
function moduleOf(task: TaskRecord | undefined): string | undefined {
  if (!task?.moduleUrl) return undefined;
  return task.moduleUrl.startsWith('file:') ? fileURLToPath(task.moduleUrl) : task.moduleUrl;
}

function timings(job: JobRecord): string {
  const parts = [`queued ${formatTime(job.queuedAt)}`];
  if (job.startedAt !== undefined)
    parts.push(`started after ${formatDuration(job.startedAt - job.queuedAt)}`);
  if (job.endedAt !== undefined) {
    const from = job.startedAt ?? job.queuedAt;
    parts.push(
      `${job.startedAt === undefined ? 'ended after' : 'ran'} ${formatDuration(job.endedAt - from)}`,
    );
  }
  return parts.join(', ');
}

/** What follows an error's first line: the rest of its message, the stack frames, the last output. */
function errorMore(error: NonNullable<JobRecord['error']>): string[] {
  const [, ...more] = error.message.split('\n');
  const frames = (error.stack ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '));
  const tail = error.logTail ? ['--- last output ---', ...error.logTail.split('\n')] : [];
  return [...more, ...frames, ...tail];
}

/** One job as text, or as JSON with `json`. */
export async function jobDetails(store: Store, job: JobRecord, json: boolean): Promise<string> {
  const [task, execution, parent, result] = await Promise.all([
    store.getTask(job.taskHash),
    store.getExecution(job.executionId),
    job.parentId === undefined ? undefined : store.getJob(job.parentId),
    resultPreview(store, job),
  ]);
  if (json) {
    const summary = execution && { id: execution.id, taskName: execution.taskName, status: execution.status };
    return `${JSON.stringify({ job, task, execution: summary, result }, null, 2)}\n`;
  }
  const rows: string[][] = [
    [
      'execution',
      execution ? `${execution.id} (${execution.taskName}, ${execution.status})` : job.executionId,
    ],
  ];
  if (parent) rows.push(['parent', `job ${parent.id} (${parent.taskName})`]);
  const module = moduleOf(task);
  rows.push(
    ['task', `${job.taskName}${module ? ` from ${module}` : ''}`],
    ['task hash', job.taskHash],
    ['eval hash', job.evalHash],
  );
  if (job.callHash) rows.push(['call hash', job.callHash]);
  rows.push(
    ['executor', `${job.executor}, attempt ${job.attempt}`],
    ['timing', timings(job)],
    ['arguments', job.argsPreview ?? '(not recorded)'],
  );
  if (result) rows.push(['result', 'text' in result ? result.text : `(${result.unavailable})`]);
  if (job.cachedFromExecutionId) {
    rows.push([
      'cached from',
      `execution ${job.cachedFromExecutionId}${job.cachedFromJobId ? `, job ${job.cachedFromJobId}` : ''}`,
    ]);
  }
  if (job.error) rows.push(['error', `${job.error.name}: ${job.error.message.split('\n')[0] ?? ''}`]);
  const table = renderTable(['', ''], rows).slice(1);
  const lines = [`job ${job.id}: ${job.taskName} — ${job.status}`, ...table.map((line) => `  ${line}`)];
  if (job.error) lines.push(...errorMore(job.error).map((line) => `    ${line}`));
  if (job.cachedFromJobId)
    lines.push('', `baton log --job ${job.cachedFromJobId} shows the job that computed it`);
  return `${lines.join('\n')}\n`;
}
