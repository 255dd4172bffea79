// The Kubernetes API calls the executor makes, through the official client, which loads only when a
// kubernetes executor starts. Calls refused for their rate (429, with the server's Retry-After) or
// failed on the way (5xx, a dropped connection) are tried again with jittered backoff; other refusals
// become ExecutorErrors that carry the API server's own message, and never a token.
import type { V1Job } from '@kubernetes/client-node';
import { ExecutorError } from '../../errors.ts';
import { withRetries, type RetryPolicy, type RetryVerdict } from '../remote/retry.ts';
import type { ExecutorLogger } from '../types.ts';
import { loadKubeconfig, type KubeconfigSearch } from './kubeconfig.ts';

type ClientModule = typeof import('@kubernetes/client-node');

export type Resource = 'jobs' | 'pods';

export interface Listed<T> {
  items: T[];
  resourceVersion: string;
}

/** What the API server said about a refused call: its HTTP code and its Status message. */
export function apiFailure(error: unknown): { code: number | undefined; message: string } {
  const shape = error as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const code =
    typeof shape.code === 'number'
      ? shape.code
      : typeof shape.statusCode === 'number'
        ? shape.statusCode
        : undefined;
  let body = shape.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // a plain-text body is its own message
    }
  }
  const status = body as { message?: unknown } | undefined;
  if (typeof status?.message === 'string') return { code, message: status.message };
  if (typeof body === 'string' && body.trim() !== '') return { code, message: body.trim().slice(0, 500) };
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const text = code !== undefined ? `HTTP ${code}` : String(shape.message ?? error).split('\n')[0]!;
  return { code, message: cause?.message ? `${text}: ${String(cause.message)}` : text };
}

/** Whether and when a failed call is worth another try. */
export function classify(error: unknown): RetryVerdict {
  const { code } = apiFailure(error);
  const headers = (error as { headers?: Record<string, string> }).headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const afterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : undefined;
  if (code === 429) return { kind: 'throttled', afterMs };
  if (code !== undefined) return code >= 500 ? { kind: 'transient', afterMs } : undefined;
  // No HTTP answer at all: the connection failed or dropped.
  return { kind: 'transient' };
}

/** Loads the client, naming the package to install when it is missing. */
async function loadClient(executor: string): Promise<ClientModule> {
  try {
    return await import('@kubernetes/client-node');
  } catch (cause) {
    throw new ExecutorError(
      `executor ${executor}: the kubernetes executor needs the package @kubernetes/client-node`,
      { executor },
      { cause, hint: 'install it next to Baton: npm install @kubernetes/client-node' },
    );
  }
}

export class KubernetesApi {
  readonly executor: string;
  readonly namespace: string;
  /** Where the configuration came from, for the log. */
  readonly source: string;
  readonly server: string;
  private readonly batch: InstanceType<ClientModule['BatchV1Api']>;
  private readonly core: InstanceType<ClientModule['CoreV1Api']>;
  private readonly watcher: InstanceType<ClientModule['Watch']>;
  private readonly logger: ExecutorLogger;
  private readonly policy: RetryPolicy | undefined;

  private constructor(parts: {
    executor: string;
    client: ClientModule;
    config: import('@kubernetes/client-node').KubeConfig;
    namespace: string;
    source: string;
    logger: ExecutorLogger;
    policy?: RetryPolicy | undefined;
  }) {
    this.executor = parts.executor;
    this.namespace = parts.namespace;
    this.source = parts.source;
    this.server = parts.config.getCurrentCluster()?.server ?? '';
    this.batch = parts.config.makeApiClient(parts.client.BatchV1Api);
    this.core = parts.config.makeApiClient(parts.client.CoreV1Api);
    this.watcher = new parts.client.Watch(parts.config);
    this.logger = parts.logger;
    this.policy = parts.policy;
  }

  /** Loads the client and the configuration; fails with what was looked at when there is none. */
  static async connect(
    search: KubeconfigSearch & {
      namespace?: string | undefined;
      logger: ExecutorLogger;
      policy?: RetryPolicy;
    },
  ): Promise<KubernetesApi> {
    const client = await loadClient(search.executor);
    const loaded = loadKubeconfig(client, search);
    return new KubernetesApi({
      executor: search.executor,
      client,
      config: loaded.config,
      namespace: search.namespace ?? loaded.namespace ?? 'default',
      source: loaded.source,
      logger: search.logger,
      policy: search.policy,
    });
  }

  /** `what` failed for good: an ExecutorError with the server's message and what to do. */
  failure(what: string, error: unknown): ExecutorError {
    const { code, message } = apiFailure(error);
    const where = { executor: this.executor, retryable: classify(error) !== undefined };
    const hint =
      code === 401
        ? 'the credentials of the kubeconfig were refused: log in again (they may have expired)'
        : code === 403
          ? `the account lacks a permission: see the RBAC rules in docs/executors/kubernetes.md (namespace ${this.namespace})`
          : code === 404 && /namespaces? "/.test(message)
            ? `create the namespace, or set namespace = "..." in [executors.${this.executor}]`
            : undefined;
    return new ExecutorError(`executor ${this.executor}: ${what} failed: ${message}`, where, {
      cause: error,
      hint,
    });
  }

  private call<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withRetries(call, {
      classify,
      policy: this.policy,
      onRetry: (error, attempt, delayMs) =>
        this.logger.debug(`${what}: ${apiFailure(error).message}; try ${attempt + 1} in ${delayMs} ms`),
    }).catch((error: unknown) => {
      throw this.failure(what, error);
    });
  }

  /**
   * Creates a Job. A name already taken is taken as this Job made by an earlier try whose answer was
   * lost, and is read back, so a retried create never makes two.
   */
  async createJob(body: V1Job): Promise<V1Job> {
    const name = body.metadata!.name!;
    try {
      return await withRetries(() => this.batch.createNamespacedJob({ namespace: this.namespace, body }), {
        classify,
        policy: this.policy,
        onRetry: (error, attempt, delayMs) =>
          this.logger.debug(
            `create Job ${name}: ${apiFailure(error).message}; try ${attempt + 1} in ${delayMs} ms`,
          ),
      });
    } catch (error) {
      if (apiFailure(error).code !== 409)
        throw this.failure(`create Job ${name} in namespace ${this.namespace}`, error);
    }
    return this.call(`read Job ${name}`, () =>
      this.batch.readNamespacedJob({ name, namespace: this.namespace }),
    );
  }

  /** One list of the resource by label selector, with the resource version to watch from. */
  async list<T>(resource: Resource, labelSelector: string): Promise<Listed<T>> {
    const request = { namespace: this.namespace, labelSelector };
    const listed = await this.call<{ items: unknown[]; metadata?: { resourceVersion?: string } }>(
      `list ${resource} in namespace ${this.namespace}`,
      () =>
        resource === 'jobs' ? this.batch.listNamespacedJob(request) : this.core.listNamespacedPod(request),
    );
    return { items: listed.items as unknown as T[], resourceVersion: listed.metadata?.resourceVersion ?? '' };
  }

  /** Deletes a Job and, in the background, its pods (the API's default for Jobs orphans them). */
  async deleteJob(name: string): Promise<void> {
    await this.call(`delete Job ${name}`, () =>
      this.batch.deleteNamespacedJob({ name, namespace: this.namespace, propagationPolicy: 'Background' }),
    ).catch((error: ExecutorError) => {
      if (apiFailure(error.cause).code !== 404) throw error;
    });
  }

  async deletePod(name: string): Promise<void> {
    await this.call(`delete pod ${name}`, () =>
      this.core.deleteNamespacedPod({ name, namespace: this.namespace }),
    ).catch((error: ExecutorError) => {
      if (apiFailure(error.cause).code !== 404) throw error;
    });
  }

  /** The last `lines` lines of a pod's log; undefined when there is none to read. */
  async podLog(name: string, lines: number): Promise<string | undefined> {
    try {
      const text = await this.call(`read the log of pod ${name}`, () =>
        this.core.readNamespacedPodLog({
          name,
          namespace: this.namespace,
          container: 'baton',
          tailLines: lines,
        }),
      );
      return typeof text === 'string' ? text : undefined;
    } catch {
      return undefined;
    }
  }

  /** The URL path of a resource in the namespace, for watches. */
  path(resource: Resource): string {
    const base = resource === 'jobs' ? '/apis/batch/v1' : '/api/v1';
    return `${base}/namespaces/${this.namespace}/${resource}`;
  }

  /** Opens a watch; `done` hears its end (undefined when the server closed it, else why it failed). */
  watch(
    resource: Resource,
    params: { labelSelector: string; resourceVersion: string },
    onEvent: (type: string, object: unknown) => void,
    done: (error: unknown) => void,
  ): Promise<AbortController> {
    const query = { ...params, allowWatchBookmarks: true, timeoutSeconds: 600 };
    return this.watcher.watch(this.path(resource), query, onEvent, (error: unknown) =>
      done(error ?? undefined),
    );
  }

  /** Whether `error` is a 410 Gone: the resource version is too old to watch from. */
  static expired(error: unknown): boolean {
    return apiFailure(error).code === 410;
  }
}
