// Array elements (Slurm array elements, Kubernetes completion indexes) that run several calls one
// after another (`calls_per_element`): a call is done when its result is written, long before its
// element ends, and the element is cancelled only when no call of it is wanted any more. The calls
// of an element are checked in the order it runs them, so each running element costs one status
// read per interval, not one per call.

interface Element {
  /** Eval hashes in the order the element runs them. */
  order: readonly string[];
  /** The first call whose result has not been seen written. */
  next: number;
  waiters: Map<string, () => void>;
  /** Calls still waited for; cancelling one of several only lets go of it. */
  wanted: Set<string>;
  checking: boolean;
}

export class PackedElements {
  private readonly intervalMs: number;
  private readonly written: (evalHash: string) => Promise<boolean>;
  private readonly elements = new Map<string, Element>();
  private stopped = false;

  constructor(intervalMs: number, written: (evalHash: string) => Promise<boolean>) {
    this.intervalMs = intervalMs;
    this.written = written;
  }

  /** Element `id` (`123_4`, `job#4`) runs `order`; `wanted` of them are waited for here. */
  add(id: string, order: readonly string[], wanted: readonly string[] = order): void {
    const known = this.elements.get(id);
    if (known) {
      for (const evalHash of wanted) known.wanted.add(evalHash);
      return;
    }
    this.elements.set(id, { order, next: 0, waiters: new Map(), wanted: new Set(wanted), checking: false });
  }

  /** Resolves when the result of `evalHash` is written, or when the element has `ended`. */
  async done(id: string, evalHash: string, ended: Promise<unknown>): Promise<void> {
    const element = this.elements.get(id);
    if (!element || element.order.indexOf(evalHash) < element.next) return;
    const seen = new Promise<void>((resolve) => element.waiters.set(evalHash, resolve));
    if (!element.checking) void this.check(element, ended);
    await Promise.race([seen, ended]);
    element.waiters.delete(evalHash);
  }

  /** Whether some call of element `id` is still wanted. */
  has(id: string): boolean {
    return this.elements.has(id);
  }

  /** Lets go of one call; true when no call of the element is wanted any more (cancel it). */
  release(id: string, evalHash: string): boolean {
    const element = this.elements.get(id);
    if (!element) return true;
    element.wanted.delete(evalHash);
    element.waiters.get(evalHash)?.(); // nobody waits for it any more
    element.waiters.delete(evalHash);
    if (element.wanted.size > 0) return false;
    this.elements.delete(id);
    return true;
  }

  /** Ends every check and lets every wait go (the executor is stopping). */
  stop(): void {
    this.stopped = true;
    for (const element of this.elements.values()) for (const resolve of element.waiters.values()) resolve();
  }

  private async check(element: Element, ended: Promise<unknown>): Promise<void> {
    element.checking = true;
    let over = false;
    void ended.then(() => (over = true));
    try {
      while (!over && !this.stopped && element.waiters.size > 0 && element.next < element.order.length) {
        const evalHash = element.order[element.next]!;
        // A failed read (an S3 scratch dropping a connection) is asked again at the next interval;
        // the element's end still ends every wait.
        if (await this.written(evalHash).catch(() => false)) {
          element.next++;
          element.waiters.get(evalHash)?.();
        } else {
          await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
        }
      }
    } finally {
      element.checking = false;
    }
  }
}
