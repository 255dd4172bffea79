// The compact form of a job the dashboard's tables, graph and timeline use, and its redaction.
import { redact } from '../config/index.ts';
import type { SerializedError } from '../executors/index.ts';
import type { JobRecord, JobStatus } from '../store/index.ts';

export interface JobRow {
  id: string;
  parentId: string | null;
  taskName: string;
  status: JobStatus;
  executor: string;
  attempt: number;
  queuedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** From start to end; null until both are known. */
  durationMs: number | null;
  /** For a cache hit: the execution that computed the value. */
  cachedFromExecutionId: string | null;
  argsPreview: string | null;
  /** The error's name and first line, for failed, cancelled and retried jobs. */
  error: { name: string; message: string } | null;
}

export const JOB_STATUSES: readonly JobStatus[] = [
  'queued',
  'running',
  'done',
  'cached',
  'failed',
  'cancelled',
];

/** The first line of an error message, with passwords in URLs masked. */
export function firstLine(text: string): string {
  return redact(text.split('\n')[0] ?? '');
}

/** The short rendering of a job's arguments, where the store records one. */
function argsPreviewOf(job: JobRecord): string | null {
  const text: unknown = (job as { argsPreview?: unknown }).argsPreview;
  return typeof text === 'string' ? redact(text) : null;
}

export function jobRow(job: JobRecord): JobRow {
  const started = job.startedAt ?? null;
  const ended = job.endedAt ?? null;
  return {
    id: job.id,
    parentId: job.parentId ?? null,
    taskName: job.taskName,
    status: job.status,
    executor: job.executor,
    attempt: job.attempt,
    queuedAt: job.queuedAt,
    startedAt: started,
    endedAt: ended,
    durationMs: started !== null && ended !== null ? Math.max(0, ended - started) : null,
    cachedFromExecutionId: job.cachedFromExecutionId ?? null,
    argsPreview: argsPreviewOf(job),
    error: job.error ? { name: job.error.name, message: firstLine(job.error.message) } : null,
  };
}

/** An error as the job page shows it: every text with passwords in URLs masked, secret-named props hidden. */
export function redactError(error: SerializedError | undefined): SerializedError | null {
  if (!error) return null;
  return {
    name: error.name,
    message: redact(error.message),
    stack: error.stack === undefined ? undefined : redact(error.stack),
    kind: error.kind,
    props: error.props === undefined ? undefined : (redact(error.props) as Record<string, unknown>),
    logTail: error.logTail === undefined ? undefined : redact(error.logTail),
  };
}
