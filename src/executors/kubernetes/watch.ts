// One resource (Jobs or pods) of one executor, kept current the way client-go's informers do: a list,
// then a watch from the list's resource version that resumes where it stopped when it ends, lists again
// when that version has expired (410 Gone), and falls back to listing every poll interval when the
// server will not watch (RBAC without `watch`, or a watch that keeps failing). It watches only while
// someone holds it, so an idle executor sends nothing.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { jitteredDelay, DEFAULT_RETRY } from '../remote/retry.ts';
import type { ExecutorLogger } from '../types.ts';
import { apiFailure, KubernetesApi, type Resource } from './api.ts';

/** Watches in a row that fail without an event before the executor lists on a timer instead. */
const FAILURES_BEFORE_POLLING = 5;

interface Named {
  metadata?: V1ObjectMeta;
}

export class ResourceWatch<T extends Named> {
  private readonly api: KubernetesApi;
  private readonly resource: Resource;
  private readonly selector: string;
  private readonly pollMs: number;
  private readonly logger: ExecutorLogger;
  private readonly onChange: (object: T, deleted: boolean) => void;
  private readonly known = new Map<string, T>();
  private resourceVersion = '';
  private holders = 0;
  private controller: AbortController | undefined;
  private watching = false;
  private polling = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(parts: {
    api: KubernetesApi;
    resource: Resource;
    selector: string;
    pollMs: number;
    logger: ExecutorLogger;
    onChange: (object: T, deleted: boolean) => void;
  }) {
    this.api = parts.api;
    this.resource = parts.resource;
    this.selector = parts.selector;
    this.pollMs = parts.pollMs;
    this.logger = parts.logger;
    this.onChange = parts.onChange;
  }

  get(name: string): T | undefined {
    return this.known.get(name);
  }

  values(): IterableIterator<T> {
    return this.known.values();
  }

  /** Lists the resource: what changed since the last look is reported, and what is gone as deleted. */
  async sync(): Promise<void> {
    const listed = await this.api.list<T>(this.resource, this.selector);
    const seen = new Set<string>();
    for (const item of listed.items) {
      const name = item.metadata?.name ?? '';
      seen.add(name);
      if (this.known.get(name)?.metadata?.resourceVersion === item.metadata?.resourceVersion) continue;
      this.known.set(name, item);
      this.onChange(item, false);
    }
    for (const [name, item] of this.known) {
      if (seen.has(name)) continue;
      this.known.delete(name);
      this.onChange(item, true);
    }
    this.resourceVersion = listed.resourceVersion;
  }

  /** Someone needs changes: watch (or poll) until every holder has let go. */
  hold(): void {
    if (++this.holders === 1) this.resume();
  }

  release(): void {
    if (this.holders > 0 && --this.holders === 0) this.pause();
  }

  stop(): void {
    this.stopped = true;
    this.pause();
  }

  private resume(): void {
    if (this.stopped) return;
    if (this.polling) this.schedulePoll(0);
    else void this.openWatch();
  }

  private pause(): void {
    this.controller?.abort();
    this.controller = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedulePoll(delayMs: number): void {
    if (this.timer || this.stopped || this.holders === 0) return;
    this.timer = setTimeout(() => {
      this.sync().then(
        () => {
          this.timer = undefined;
          this.schedulePoll(this.pollMs);
        },
        (error: unknown) => {
          this.logger.warn(`listing ${this.resource} failed, will keep trying: ${(error as Error).message}`);
          this.timer = undefined;
          this.schedulePoll(this.pollMs);
        },
      );
    }, delayMs);
  }

  private async openWatch(): Promise<void> {
    if (this.watching || this.stopped || this.holders === 0) return;
    this.watching = true;
    let expired = false;
    let ended = false;
    const onEvent = (type: string, object: unknown) => {
      const item = object as T & { code?: number };
      if (type === 'ERROR') {
        expired ||= item.code === 410;
        return;
      }
      this.failures = 0;
      const version = item.metadata?.resourceVersion;
      if (version) this.resourceVersion = version;
      if (type === 'BOOKMARK') return;
      const name = item.metadata?.name ?? '';
      if (type === 'DELETED') this.known.delete(name);
      else this.known.set(name, item);
      this.onChange(item, type === 'DELETED');
    };
    const done = (error: unknown) => {
      if (ended) return;
      ended = true;
      this.watching = false;
      this.controller = undefined;
      void this.watchEnded(error, expired);
    };
    const params = { labelSelector: this.selector, resourceVersion: this.resourceVersion };
    let controller: AbortController;
    try {
      controller = await this.api.watch(this.resource, params, onEvent, done);
    } catch (error) {
      done(error);
      return;
    }
    if (ended) return;
    if (this.holders === 0 || this.stopped) controller.abort();
    else this.controller = controller;
  }

  private async watchEnded(error: unknown, expired: boolean): Promise<void> {
    if (this.stopped || this.holders === 0) return;
    const { code, message } = error === undefined ? { code: undefined, message: '' } : apiFailure(error);
    // A watch the server closed, one the client ended after 30 s without events, or one paused here.
    const name = (error as { name?: string } | undefined)?.name;
    const quiet = error === undefined || name === 'TimeoutError' || name === 'AbortError';
    try {
      if (expired || code === 410) {
        await this.sync();
      } else if (code === 403) {
        this.logger.warn(
          `cannot watch ${this.resource} (${message}); reading them every ${this.pollMs / 1000} s instead: grant the 'watch' verb (docs/executors/kubernetes.md, RBAC)`,
        );
        this.polling = true;
      } else if (!quiet) {
        this.failures++;
        if (this.failures >= FAILURES_BEFORE_POLLING) {
          this.logger.warn(
            `watching ${this.resource} keeps failing (${message}); reading them every ${this.pollMs / 1000} s instead`,
          );
          this.polling = true;
        } else {
          await new Promise((resolve) => setTimeout(resolve, jitteredDelay(this.failures, DEFAULT_RETRY)));
          // Events missed while the watch was down are replayed from the resource version; list if it expired.
        }
      }
    } catch (syncError) {
      this.logger.warn(`listing ${this.resource} failed: ${(syncError as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
    if (this.polling) this.schedulePoll(this.pollMs);
    else void this.openWatch();
  }
}
