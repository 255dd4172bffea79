// Per-executor admission: at most `limit` jobs handed over at once; the rest wait, highest
// priority first, then in arrival order.
interface Waiter {
  priority: number;
  seq: number;
  resolve: () => void;
}

function before(a: Waiter, b: Waiter): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}

export class Slots {
  readonly limit: number;
  private active = 0;
  private seq = 0;
  private readonly heap: Waiter[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Takes a slot now if one is free. */
  tryAcquire(): boolean {
    if (this.active < this.limit && this.heap.length === 0) {
      this.active++;
      return true;
    }
    return false;
  }

  /** Waits for a slot. */
  acquire(priority: number): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.push({ priority, seq: this.seq++, resolve }));
  }

  release(): void {
    this.active--;
    while (this.active < this.limit && this.heap.length > 0) {
      this.active++;
      this.pop().resolve();
    }
  }

  private push(waiter: Waiter): void {
    const heap = this.heap;
    heap.push(waiter);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Waiter {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < heap.length && before(heap[left]!, heap[best]!)) best = left;
        if (right < heap.length && before(heap[right]!, heap[best]!)) best = right;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top;
  }
}
