// Recorded histories for the dashboard's tests and its benchmark: executions and jobs written
// straight into a store, shaped like what the scheduler records (a root call fanning out to many).
import { encodeValue } from '../../src/codec/index.ts';
import { newId, type ExecutionRecord, type JobRecord, type Store } from '../../src/store/index.ts';

export const MARKUP = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

const sha = (seed: string) => seed.padEnd(64, '0').slice(0, 64);

export interface RecordedExecution {
  execution: ExecutionRecord;
  root: JobRecord;
  jobs: JobRecord[];
  /** The failed job, when the history has one. */
  failed: JobRecord | undefined;
}

export interface HistoryOptions {
  /** Child calls under the root. @default 20 */
  children?: number;
  taskName?: string;
  status?: ExecutionRecord['status'];
  /** ms since the epoch. @default now minus a minute */
  startedAt?: number;
  /** Make the last child fail with an error whose message holds markup. @default false */
  failing?: boolean;
  /** Record the first N children as cache hits computed by this execution. */
  cachedFrom?: { executionId: string; jobId: string; count: number } | undefined;
  argv?: string[];
  /** The scheduler's host and pid. @default 'laptop', 4242 */
  host?: string;
  pid?: number;
  /** The scheduler's last heartbeat, ms since the epoch. */
  heartbeatAt?: number;
}

/** Writes an execution with a root `main` job and `children` `square` jobs on two executors. */
export function recordExecution(store: Store, options: HistoryOptions = {}): RecordedExecution {
  const children = options.children ?? 20;
  const start = options.startedAt ?? Date.now() - 60_000;
  const status = options.status ?? (options.failing ? 'failed' : 'done');
  const running = status === 'running';
  const execution: ExecutionRecord = {
    id: newId(),
    taskName: options.taskName ?? 'main',
    argsPreview: '["https://user:pa55word@example.com/data",0.5]',
    status,
    startedAt: start,
    endedAt: running ? undefined : start + 5_000 + children,
    cwd: '/work/project',
    argv: options.argv ?? [
      'baton',
      'run',
      'workflow.ts',
      'main',
      '--url',
      'https://example.com',
      '--C',
      '0.5',
    ],
    host: options.host ?? 'laptop',
    pid: options.pid ?? 4242,
    heartbeatAt: options.heartbeatAt,
  };
  store.putExecution(execution);
  store.putTask({
    hash: sha('a1'),
    name: 'main',
    source: '(url, C = 1.0) => fanout(url, C)',
    moduleUrl: 'file:///w/workflow.ts',
  });
  store.putTask({
    hash: sha('b2'),
    name: 'square',
    source: '(x, apiKey) => x * x',
    moduleUrl: 'file:///w/workflow.ts',
  });
  const root: JobRecord = {
    id: newId(),
    executionId: execution.id,
    taskName: 'main',
    taskHash: sha('a1'),
    evalHash: sha(`e${execution.id}`),
    executor: 'default',
    status: running ? 'running' : status === 'failed' ? 'failed' : 'done',
    attempt: 1,
    queuedAt: start,
    startedAt: start + 1,
    endedAt: running ? undefined : start + 4_000 + children,
    resultHash: store.putValue(encodeValue({ greeting: MARKUP, apiKey: 'sk-live-123456', rows: [1, 2, 3] })),
  };
  store.putJob(root);
  const jobs: JobRecord[] = [root];
  let failed: JobRecord | undefined;
  for (let i = 0; i < children; i++) {
    const cached = options.cachedFrom !== undefined && i < options.cachedFrom.count;
    const last = i === children - 1;
    const queuedAt = start + 10 + i;
    const job: JobRecord = {
      id: newId(),
      executionId: execution.id,
      parentId: root.id,
      taskName: 'square',
      taskHash: sha('b2'),
      evalHash: sha(`${i.toString(16)}f`),
      executor: i % 3 === 0 ? 'procs' : 'default',
      status: cached ? 'cached' : running ? (i % 2 === 0 ? 'done' : 'queued') : 'done',
      attempt: cached ? 0 : 1,
      queuedAt,
      startedAt: cached || (running && i % 2 === 1) ? undefined : queuedAt + 5,
      endedAt: cached || (running && i % 2 === 1) ? undefined : queuedAt + 5 + ((i * 37) % 400),
      cachedFromJobId: cached ? options.cachedFrom!.jobId : undefined,
      cachedFromExecutionId: cached ? options.cachedFrom!.executionId : undefined,
    };
    if (options.failing && last) {
      job.status = 'failed';
      job.error = {
        name: 'RangeError',
        message: `bad value ${MARKUP} while reading redis://:hunter2@cache:6379/0`,
        stack: `RangeError: bad value\n    at square (file:///w/workflow.ts:7:11)\n    at run (file:///w/worker.ts:3:1)`,
        kind: 'application',
        logTail: 'step 1\nstep 2: about to fail',
      };
      failed = job;
    }
    store.putJob(job);
    jobs.push(job);
  }
  return { execution, root, jobs, failed };
}
