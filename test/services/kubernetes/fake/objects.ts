// The fake API server's storage: Jobs and Pods with one resource version counter (etcd's revision),
// the history of changes that watches replay from a resource version, and the open watches.
import { randomUUID } from 'node:crypto';
import { matches, type Selector } from './labels.ts';
import { now, type JobObject, type KubeObject, type PodObject, type Resource } from './types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Change {
  type: EventType;
  resource: Resource;
  revision: number;
  /** A copy of the object as it was after the change. */
  object: KubeObject;
}

interface Watcher {
  resource: Resource;
  namespace: string;
  selector: Selector;
  send: (type: EventType, object: KubeObject) => void;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

export class ObjectStore {
  private revision = 100;
  private readonly jobs = new Map<string, JobObject>();
  private readonly pods = new Map<string, PodObject>();
  private history: Change[] = [];
  private readonly watchers = new Set<Watcher>();
  /** Changes kept for watches that resume from a resource version; older ones answer 410 Gone. */
  maxHistory: number;

  constructor(maxHistory = 100_000) {
    this.maxHistory = maxHistory;
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  private table(resource: Resource): Map<string, KubeObject> {
    return (resource === 'jobs' ? this.jobs : this.pods) as Map<string, KubeObject>;
  }

  allJobs(): JobObject[] {
    return [...this.jobs.values()];
  }

  allPods(): PodObject[] {
    return [...this.pods.values()];
  }

  get<T extends KubeObject>(resource: Resource, namespace: string, name: string): T | undefined {
    return this.table(resource).get(key(namespace, name)) as T | undefined;
  }

  list(resource: Resource, namespace: string, selector: Selector): KubeObject[] {
    return [...this.table(resource).values()]
      .filter(
        (object) => object.metadata.namespace === namespace && matches(selector, object.metadata.labels),
      )
      .map((object) => structuredClone(object));
  }

  /** Stores a new object, giving it a uid, a resource version and a creation time. */
  add<T extends KubeObject>(resource: Resource, object: T): T {
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = now();
    this.table(resource).set(key(object.metadata.namespace, object.metadata.name), object);
    this.record('ADDED', resource, object);
    return object;
  }

  /** Records a change made to a stored object (a new resource version and a MODIFIED event). */
  update(resource: Resource, object: KubeObject): void {
    if (!this.table(resource).has(key(object.metadata.namespace, object.metadata.name))) return;
    this.record('MODIFIED', resource, object);
  }

  remove(resource: Resource, object: KubeObject): boolean {
    const removed = this.table(resource).delete(key(object.metadata.namespace, object.metadata.name));
    if (removed) this.record('DELETED', resource, object);
    return removed;
  }

  private record(type: EventType, resource: Resource, object: KubeObject): void {
    object.metadata.resourceVersion = String(++this.revision);
    const change: Change = { type, resource, revision: this.revision, object: structuredClone(object) };
    this.history.push(change);
    if (this.history.length > this.maxHistory * 2) this.history = this.history.slice(-this.maxHistory);
    for (const watcher of this.watchers) this.deliver(watcher, change);
  }

  private deliver(watcher: Watcher, change: Change): void {
    const { object } = change;
    if (watcher.resource !== change.resource || object.metadata.namespace !== watcher.namespace) return;
    if (!matches(watcher.selector, object.metadata.labels)) return;
    watcher.send(change.type, object);
  }

  /**
   * Starts a watch. Without a resource version it begins with an ADDED event for every object there
   * now; with one, it replays the changes after it. Returns undefined when that version is older than
   * the history kept (the server answers 410 Gone).
   */
  watch(
    resource: Resource,
    namespace: string,
    selector: Selector,
    since: string | undefined,
    send: Watcher['send'],
  ): { close(): void } | undefined {
    const watcher: Watcher = { resource, namespace, selector, send };
    const from = since === undefined || since === '' || since === '0' ? undefined : Number(since);
    if (from === undefined) {
      for (const object of this.list(resource, namespace, selector)) send('ADDED', object);
    } else {
      const oldest = this.history[0]?.revision ?? this.revision + 1;
      if (!Number.isFinite(from) || (from < oldest - 1 && from < this.revision)) return undefined;
      for (const change of this.history) if (change.revision > from) this.deliver(watcher, change);
    }
    this.watchers.add(watcher);
    return { close: () => this.watchers.delete(watcher) };
  }
}
