// Profiles of every JavaScript thread of this process through node:inspector: the main thread through
// a session of its own, and each worker thread (the task pool) through the NodeWorker domain of that
// session, so the pool's threads need no code of their own for it.
import { Session } from 'node:inspector/promises';

export type ProfileKind = 'cpu' | 'memory';

/** A V8 CPU profile (`Profiler.stop`), as Chrome DevTools opens it. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A V8 sampling heap profile (`HeapProfiler.stopSampling`): live allocations by call site. */
export interface HeapSamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: HeapSamplingNode[];
}

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

export interface ThreadProfile {
  /** `main`, or the worker thread's title (`[worker 3] ...`). */
  thread: string;
  cpu?: CpuProfile | undefined;
  heap?: { usage: HeapUsage; sampling: { head: HeapSamplingNode } } | undefined;
}

type Send = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

/** Microseconds between two CPU samples; V8's default is 1000. */
const CPU_SAMPLING_US = 500;
/** Average bytes between two heap samples; V8's default is 32 KiB. */
const HEAP_SAMPLING_BYTES = 16 * 1024;

async function begin(send: Send, kind: ProfileKind): Promise<void> {
  await send('Profiler.enable');
  if (kind === 'cpu') {
    await send('Profiler.setSamplingInterval', { interval: CPU_SAMPLING_US });
    await send('Profiler.start');
  } else {
    await send('HeapProfiler.enable');
    await send('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_BYTES });
  }
  // V8 (Node 24) drops the inlined frames of code optimized before a profile started, so a hot task
  // would show up as its caller: a moment of precise coverage deoptimizes everything, and the code
  // optimized again while the profile runs keeps its frames (nodejs/node#63816).
  await send('Profiler.startPreciseCoverage', { callCount: false, detailed: false });
  await send('Profiler.stopPreciseCoverage');
}

async function end(send: Send, kind: ProfileKind, thread: string): Promise<ThreadProfile> {
  if (kind === 'cpu') {
    const { profile } = (await send('Profiler.stop')) as { profile: CpuProfile };
    await send('Profiler.disable');
    return { thread, cpu: profile };
  }
  await send('Profiler.disable');
  const { profile } = (await send('HeapProfiler.stopSampling')) as { profile: { head: HeapSamplingNode } };
  const usage = (await send('Runtime.getHeapUsage')) as HeapUsage;
  await send('HeapProfiler.disable');
  return {
    thread,
    heap: { usage: { usedSize: usage.usedSize, totalSize: usage.totalSize }, sampling: profile },
  };
}

/** Sends protocol messages to one worker thread through the NodeWorker domain and matches the replies. */
class WorkerChannel {
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private readonly session: Session;
  readonly sessionId: string;

  constructor(session: Session, sessionId: string) {
    this.session = session;
    this.sessionId = sessionId;
  }

  readonly send: Send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++this.next;
      this.waiting.set(id, { resolve, reject });
      const message = JSON.stringify({ id, method, params });
      this.session
        .post('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message })
        .catch(reject);
    });

  receive(raw: string): void {
    const message = JSON.parse(raw) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  }

  /** A thread that exits mid-profile leaves its requests unanswered: fail them. */
  close(): void {
    for (const waiter of this.waiting.values()) waiter.reject(new Error('the thread exited'));
    this.waiting.clear();
  }
}

/**
 * Profiles the main thread and every worker thread of this process for `ms` milliseconds. A thread
 * that exits meanwhile is left out; the others are returned.
 */
export async function profileThreads(kind: ProfileKind, ms: number): Promise<ThreadProfile[]> {
  const session = new Session();
  session.connect();
  const channels = new Map<string, { channel: WorkerChannel; title: string }>();
  session.on('NodeWorker.attachedToWorker', ({ params }) => {
    const channel = new WorkerChannel(session, params.sessionId);
    channels.set(params.sessionId, { channel, title: params.workerInfo.title });
  });
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) =>
    channels.get(params.sessionId)?.channel.receive(params.message),
  );
  session.on('NodeWorker.detachedFromWorker', ({ params }) => {
    channels.get(params.sessionId)?.channel.close();
    channels.delete(params.sessionId);
  });
  const main: Send = (method, params) => session.post(method, params);
  try {
    // Attached workers are announced while this call runs.
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    const threads = [...channels.values()];
    await begin(main, kind);
    const started = await Promise.allSettled(threads.map(({ channel }) => begin(channel.send, kind)));
    await new Promise((resolve) => setTimeout(resolve, ms));
    const ended = await Promise.allSettled([
      end(main, kind, 'main'),
      ...threads.map(({ channel, title }, i) =>
        started[i]!.status === 'fulfilled'
          ? end(channel.send, kind, title)
          : Promise.reject(new Error('not started')),
      ),
    ]);
    return ended.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  } finally {
    await session.post('NodeWorker.disable').catch(() => undefined);
    session.disconnect();
  }
}
