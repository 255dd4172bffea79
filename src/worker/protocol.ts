// Messages between the local executor and its workers. Jobs and results travel in batches with their
// bytes packed into one buffer, so a batch of 500 jobs costs one message and one transfer, not 500.
import type { SerializedError } from '../executors/index.ts';

/** The part of a job's TaskRef a worker needs; each distinct task is sent once per batch. */
export interface WireTaskRef {
  module: string;
  name: string;
  hash: string;
}

/** Parent → worker: jobs to run. Job i's arguments are `args[offsets[i] .. offsets[i + 1]]`. */
export interface BatchMessage {
  type: 'batch';
  refs: WireTaskRef[];
  /** Per job: the id the parent chose, echoed in the results. */
  ids: Float64Array;
  /** Per job: its task, as an index into `refs`. */
  tasks: Uint32Array;
  args: Uint8Array;
  offsets: Float64Array;
}

/** Worker → parent: what finished since the last message. Result i's value is `values[offsets[i] .. offsets[i + 1]]`. */
export interface ResultMessage {
  type: 'results';
  ids: Float64Array;
  /** 1 where the job succeeded; the failures' errors are in `errors`, in the same order. */
  ok: Uint8Array;
  values: Uint8Array;
  offsets: Float64Array;
  /** Per result: started and ended, in ms since the epoch, to the microsecond (run-job.ts `jobClock`). */
  times: Float64Array;
  errors: SerializedError[];
}

/** Worker → parent: the worker has loaded its own code and takes jobs. */
export interface ReadyMessage {
  type: 'ready';
}

/** Worker → parent: something a task printed on stdout or stderr. */
export interface OutputMessage {
  type: 'output';
  chunk: Uint8Array;
}

export type WorkerMessage = ResultMessage | ReadyMessage | OutputMessage;

/** Below this many bytes, copying a message is cheaper than transferring (detaching) its buffers. */
const TRANSFER_FROM_BYTES = 64 * 1024;

/** The buffers a message can hand over instead of copying (threads only): only when large. */
export function transferList(message: BatchMessage | WorkerMessage | Uint8Array): ArrayBuffer[] {
  let buffers: ArrayBufferView[];
  if (message instanceof Uint8Array) buffers = [message];
  else if (message.type === 'batch') buffers = [message.ids, message.tasks, message.args, message.offsets];
  else if (message.type === 'results')
    buffers = [message.ids, message.ok, message.values, message.offsets, message.times];
  else return [];
  let bytes = 0;
  for (const view of buffers) bytes += view.buffer.byteLength;
  return bytes < TRANSFER_FROM_BYTES ? [] : buffers.map((view) => view.buffer as ArrayBuffer);
}

/** Appends byte strings into one reusable buffer; `take` copies them out into an exact-size one. */
export class ByteWriter {
  private buffer: Uint8Array;
  private used = 0;
  private readonly ends: number[] = [];

  private readonly initialSize: number;

  constructor(initialSize = 64 * 1024) {
    this.initialSize = initialSize;
    this.buffer = new Uint8Array(initialSize);
  }

  get count(): number {
    return this.ends.length;
  }

  /** Bytes it holds room for. */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Copies `bytes` in now, so a codec that reuses its output buffer cannot change them later. */
  append(bytes: Uint8Array | undefined): void {
    if (bytes !== undefined && bytes.length > 0) {
      const needed = this.used + bytes.length;
      if (needed > this.buffer.length) {
        const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
        grown.set(this.buffer.subarray(0, this.used));
        this.buffer = grown;
      }
      this.buffer.set(bytes, this.used);
      this.used = needed;
    }
    this.ends.push(this.used);
  }

  /** Bytes appended since the last `take` or `moveTo`. */
  get byteLength(): number {
    return this.used;
  }

  /**
   * `take` without the intermediate copies: the bytes go to `target` at `at`, and the offsets (a 0, then
   * each end) to `offsets` from index `from`.
   */
  moveTo(target: Uint8Array, at: number, offsets: Float64Array, from: number): void {
    target.set(this.buffer.subarray(0, this.used), at);
    offsets[from] = 0;
    for (let i = 0; i < this.ends.length; i++) offsets[from + i + 1] = this.ends[i]!;
    this.reset();
  }

  /** The bytes and the offsets of everything appended since the last `take`. */
  take(): { bytes: Uint8Array; offsets: Float64Array } {
    const bytes = new Uint8Array(this.used);
    const offsets = new Float64Array(this.ends.length + 1);
    this.moveTo(bytes, 0, offsets, 0);
    return { bytes, offsets };
  }

  private reset(): void {
    this.used = 0;
    this.ends.length = 0;
    // One huge result must not pin its size for the worker's whole life.
    if (this.buffer.length > this.initialSize * 16) this.buffer = new Uint8Array(this.initialSize);
  }
}

/** Packs byte strings whose sizes are known into one exact-size buffer (a single copy). */
export function packBytes(
  count: number,
  bytesAt: (index: number) => Uint8Array,
): { bytes: Uint8Array; offsets: Float64Array } {
  const offsets = new Float64Array(count + 1);
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += bytesAt(i).length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < count; i++) bytes.set(bytesAt(i), offsets[i]!);
  return { bytes, offsets };
}
