// A doorbell beside the message ports of a local worker thread: one counter in shared memory per
// direction, rung after each message, and the number of microseconds the worker may wait for its next
// batch. A thread that expects the other's next message within microseconds watches its counter
// instead of sleeping in the event loop: on a virtual machine, waking a sleeping thread can cost the
// sender and the sleeper tens of microseconds each, several times a trivial task's own cost (see
// docs/decisions.md). It watches the counter rather than the port, because polling the port takes
// the lock the sender needs to post.

const TO_WORKER = 0;
const TO_POOL = 1;
const LINGER = 2;
const LINGERING = 3;
/** The pool's count of the worker's rings when it last looked. */
const TAKEN = 4;
/** Batches the worker has taken. */
const STARTED = 5;
const WORDS = 6;

/** The two directions of a worker thread's messages. */
export type Direction = 'to-worker' | 'to-pool';

export class Doorbell {
  /** Shared with the other thread (through `workerData`). */
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly seen = [0, 0];

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT)) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
  }

  /** Says that a message has been posted in `direction` (call after `postMessage` returns). */
  ring(direction: Direction): void {
    Atomics.add(this.words, direction === 'to-worker' ? TO_WORKER : TO_POOL, 1);
  }

  /** Whether a message was posted in `direction` since the last call that answered yes. */
  rang(direction: Direction): boolean {
    const slot = direction === 'to-worker' ? TO_WORKER : TO_POOL;
    const count = Atomics.load(this.words, slot);
    if (count === this.seen[slot]) return false;
    this.seen[slot] = count;
    if (slot === TO_POOL) Atomics.store(this.words, TAKEN, count);
    return true;
  }

  /** (Worker) The pool has looked since the worker's last message: it is running, not asleep. */
  get taken(): boolean {
    return Atomics.load(this.words, TAKEN) === Atomics.load(this.words, TO_POOL);
  }

  /** (Worker) Says it has taken a batch. */
  noteStarted(): void {
    Atomics.add(this.words, STARTED, 1);
  }

  /** (Pool) The worker has taken every batch rung so far. */
  get started(): boolean {
    return Atomics.load(this.words, STARTED) === Atomics.load(this.words, TO_WORKER);
  }

  /** Microseconds the worker may wait for another batch once its jobs are done: 0 sends it to sleep. */
  get lingerMicros(): number {
    return Atomics.load(this.words, LINGER);
  }

  set lingerMicros(micros: number) {
    Atomics.store(this.words, LINGER, micros);
  }

  /** The worker is awake, waiting for a batch (set by the worker): a batch rung now is taken at once. */
  get lingering(): boolean {
    return Atomics.load(this.words, LINGERING) === 1;
  }

  set lingering(yes: boolean) {
    Atomics.store(this.words, LINGERING, yes ? 1 : 0);
  }
}

/**
 * Calls `poll` until it says it is done or `micros` have passed; true when it was done. The thread does
 * nothing else meanwhile, so callers wait only for what they expect within microseconds.
 */
export function spinFor(micros: number, poll: () => boolean): boolean {
  const deadline = performance.now() + micros / 1000;
  do {
    if (poll()) return true;
    pause();
  } while (performance.now() < deadline);
  return false;
}

/**
 * A spin-wait hint to the CPU (x86 `pause`), which frees the core's shared resources for a sibling
 * hardware thread (perhaps the very thread being waited for); a no-op where it is missing (Node 22).
 */
const pause: () => void =
  (Atomics as unknown as { pause?: () => void }).pause?.bind(Atomics) ?? (() => undefined);
