// The fake cluster's one node: the scheduler places pending pods on it while it has room (`capacity`
// pods at once), and its kubelet runs each pod's container as a local process with the container's
// command, arguments and environment (secret references resolved), keeps the pod's log, and reports
// the container's exit as the pod's phase. The image is not pulled: the process runs on this machine.
// A container's memory limit is kept as the cgroup would: a process whose resident memory passes it
// is killed, and its container terminates with reason OOMKilled and exit code 137.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from './objects.ts';
import { now, type Container, type PodObject } from './types.ts';

/** Bytes of log kept per pod (the kubelet rotates; the tail is what matters). */
const LOG_BYTES = 1024 * 1024;
/** How often a container's resident memory is compared with its limit. */
const MEMORY_POLL_MS = 25;

const QUANTITY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Bytes of a memory quantity (`512Mi`, `1G`, `1048576`); undefined when there is none. */
export function memoryBytes(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new Error(`the fake kubelet cannot read the memory quantity ${quantity}`);
  return Number(match[1]) * QUANTITY_UNITS[match[2] ?? '']!;
}

/** The resident memory of a process, in bytes (0 once it is gone). */
function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? 0 : Number(kib) * 1024;
  } catch {
    return 0;
  }
}

interface Running {
  pod: PodObject;
  child: ChildProcess;
  dir: string;
  exited: Promise<void>;
}

export class Node {
  capacity: number;
  /** How long a deleted pod's process has after SIGTERM before SIGKILL (its grace period, shortened). */
  graceMs = 3000;
  private readonly store: ObjectStore;
  /** Secrets by `namespace/name`. */
  readonly secrets = new Map<string, Record<string, string>>();
  private readonly queue: PodObject[] = [];
  private readonly running = new Map<string, Running>();
  private readonly logs = new Map<string, string>();
  private readonly ended: (pod: PodObject) => void;
  /** Every process the node started, for the tests' accounting. */
  started = 0;

  constructor(store: ObjectStore, capacity: number, ended: (pod: PodObject) => void) {
    this.store = store;
    this.capacity = capacity;
    this.ended = ended;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** A new pod waits for room on the node. */
  schedule(pod: PodObject): void {
    const gpus = Number(pod.spec.containers[0]?.resources?.limits?.['nvidia.com/gpu'] ?? 0);
    if (gpus > 0) {
      // The node has no GPUs: the scheduler leaves the pod Pending and says why.
      pod.status.conditions = [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.',
        },
      ];
      this.store.update('pods', pod);
      return;
    }
    this.queue.push(pod);
    this.fill();
  }

  log(name: string): string | undefined {
    return this.logs.get(name);
  }

  private fill(): void {
    while (this.running.size < this.capacity) {
      const index = this.queue.findIndex((pod) => !pod.metadata.deletionTimestamp);
      if (index < 0) return;
      const [pod] = this.queue.splice(index, 1);
      this.start(pod!);
    }
  }

  /** The container's environment, or why the kubelet cannot make it (a missing secret or key). */
  private environment(pod: PodObject, container: Container): Record<string, string> | string {
    const env: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      const from = variable.valueFrom;
      if (from?.secretKeyRef) {
        const { name, key, optional } = from.secretKeyRef;
        const secret = this.secrets.get(`${pod.metadata.namespace}/${name}`);
        if (!secret) {
          if (optional) continue;
          return `secret "${name}" not found`;
        }
        if (secret[key] === undefined) {
          if (optional) continue;
          return `couldn't find key ${key} in Secret ${pod.metadata.namespace}/${name}`;
        }
        env[variable.name] = secret[key];
      } else if (from?.fieldRef) {
        const path = from.fieldRef.fieldPath;
        const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
        const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
        if (annotation) env[variable.name] = pod.metadata.annotations?.[annotation[1]!] ?? '';
        else if (label) env[variable.name] = pod.metadata.labels?.[label[1]!] ?? '';
        else if (path === 'metadata.name') env[variable.name] = pod.metadata.name;
        else if (path === 'metadata.namespace') env[variable.name] = pod.metadata.namespace;
      } else {
        env[variable.name] = variable.value ?? '';
      }
    }
    return env;
  }

  private start(pod: PodObject): void {
    const container = pod.spec.containers[0]!;
    const env = this.environment(pod, container);
    const status = (state: NonNullable<PodObject['status']['containerStatuses']>[number]['state']) => [
      {
        name: container.name,
        image: container.image ?? '',
        imageID: `fake://${container.image ?? ''}`,
        ready: state.running !== undefined,
        started: state.running !== undefined,
        restartCount: 0,
        state,
      },
    ];
    if (typeof env === 'string') {
      // The kubelet keeps the pod Pending and says why, as it does for a missing secret.
      pod.status.containerStatuses = status({
        waiting: { reason: 'CreateContainerConfigError', message: env },
      });
      this.store.update('pods', pod);
      return;
    }
    const command = [...(container.command ?? []), ...(container.args ?? [])];
    const dir = mkdtempSync(join(tmpdir(), 'baton-fake-pod-'));
    const child = spawn(command[0]!, command.slice(1), {
      cwd: container.workingDir ?? dir,
      env: { PATH: process.env.PATH, HOME: dir, HOSTNAME: pod.spec.hostname ?? pod.metadata.name, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.started++;
    const name = pod.metadata.name;
    this.logs.set(name, '');
    const append = (chunk: Buffer) => {
      const text = (this.logs.get(name) ?? '') + chunk.toString('utf8');
      this.logs.set(name, text.length > LOG_BYTES ? text.slice(-LOG_BYTES) : text);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const startedAt = now();
    const limit = memoryBytes(container.resources?.limits?.memory);
    let oomKilled = false;
    const watchMemory =
      limit === undefined
        ? undefined
        : setInterval(() => {
            if (oomKilled || residentBytes(child.pid!) <= limit) return;
            oomKilled = true;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // already gone
            }
          }, MEMORY_POLL_MS);
    const exited = new Promise<void>((resolve) => {
      child.on('error', (error) => {
        append(Buffer.from(`exec: ${error.message}\n`));
      });
      child.on('close', (code, signal) => {
        clearInterval(watchMemory);
        this.running.delete(name);
        const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
        pod.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
        pod.status.conditions = [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }];
        pod.status.containerStatuses = status({
          terminated: {
            exitCode,
            ...(signal ? { signal: constants.signals[signal] } : {}),
            reason: oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error',
            startedAt,
            finishedAt: now(),
          },
        });
        rmSync(dir, { recursive: true, force: true });
        this.store.update('pods', pod);
        this.ended(pod);
        this.fill();
        resolve();
      });
    });
    this.running.set(name, { pod, child, dir, exited });
    pod.status.phase = 'Running';
    pod.status.startTime = startedAt;
    pod.status.hostIP = '127.0.0.1';
    pod.status.podIP = '127.0.0.1';
    pod.status.conditions = [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: startedAt },
      { type: 'Ready', status: 'True', lastTransitionTime: startedAt },
    ];
    pod.status.containerStatuses = status({ running: { startedAt } });
    this.store.update('pods', pod);
  }

  /**
   * Stops a pod being deleted: a pending pod is dropped, a running one gets SIGTERM and, after the
   * grace period, SIGKILL. Resolves when its process has exited.
   */
  async stop(pod: PodObject): Promise<void> {
    const queued = this.queue.indexOf(pod);
    if (queued >= 0) this.queue.splice(queued, 1);
    const running = this.running.get(pod.metadata.name);
    if (!running) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-running.child.pid!, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), this.graceMs);
    await running.exited;
    clearTimeout(timer);
  }

  forget(pod: PodObject): void {
    this.logs.delete(pod.metadata.name);
  }

  /** Kills every process at once (the fake is closing). */
  async shutdown(): Promise<void> {
    this.queue.length = 0;
    const all = [...this.running.values()];
    for (const running of all) {
      try {
        process.kill(-running.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all(all.map((running) => running.exited));
  }
}
