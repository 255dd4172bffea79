// A fake Kubernetes API server on loopback for the executor's end-to-end tests: the batch/v1 Jobs and
// v1 Pods endpoints the executor calls (create, get, list and watch by label selector with resource
// versions, delete with propagationPolicy, pod logs with tailLines), with the real request and
// response shapes, over TLS with bearer-token auth, Status errors, and a Job controller whose pods run as local
// processes. It counts requests by verb and resource, and can answer 429 with Retry-After, or 403 for
// a verb, as a throttled or under-privileged client would see.
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { JobController } from './jobs.ts';
import { labelProblem, nameProblem, parseSelector, type Selector } from './labels.ts';
import { Node } from './node.ts';
import { ObjectStore } from './objects.ts';
import type { JobObject, PodObject, Resource } from './types.ts';
import { validateJob } from './validate.ts';

export interface FakeKubernetesOptions {
  /** Pods that run at once on the fake's one node. @default 4 */
  capacity?: number;
  namespaces?: string[];
  token?: string;
}

interface Throttle {
  request: string;
  times: number;
  retryAfterSeconds: number;
}

/** A Status object, the body of every API error. */
function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  };
}

/** A certificate for 127.0.0.1 that is its own CA, made for these tests only (valid until 2126). */
const TLS = {
  cert: readFileSync(new URL('./tls/cert.pem', import.meta.url), 'utf8'),
  key: readFileSync(new URL('./tls/test-only-key.pem', import.meta.url), 'utf8'),
};

const GROUPS: Record<Resource, string> = { jobs: 'batch', pods: '' };
const LIST_KINDS: Record<Resource, [string, string]> = {
  jobs: ['batch/v1', 'JobList'],
  pods: ['v1', 'PodList'],
};

export class FakeKubernetes {
  readonly store = new ObjectStore();
  readonly node: Node;
  readonly jobs: JobController;
  readonly token: string;
  private readonly namespaces: Set<string>;
  private readonly server: Server;
  private readonly throttles: Throttle[] = [];
  private readonly open = new Set<ServerResponse>();
  /** Requests by `verb resource` (`create jobs`, `watch pods`, `log pods`, ...). */
  readonly requests = new Map<string, number>();
  /** Requests answered 429. */
  throttled = 0;
  /** Verbs answered 403 Forbidden, as `verb resource`. */
  readonly forbidden = new Set<string>();
  /** Every Job created, in order: name, completions and the Job as it was created. */
  readonly created: Array<{ name: string; completions: number; job: JobObject }> = [];
  /** The propagationPolicy of every Job deletion, in order. */
  readonly deletions: Array<{ name: string; propagationPolicy: string | undefined }> = [];
  /** Seconds between BOOKMARK events on watches that ask for them. @default 60 */
  bookmarkSeconds = 60;
  url = '';

  constructor(options: FakeKubernetesOptions = {}) {
    this.namespaces = new Set(options.namespaces ?? ['default']);
    this.token = options.token ?? 'fake-token-do-not-print';
    this.node = new Node(this.store, options.capacity ?? 4, (pod) => this.jobs.podEnded(pod));
    this.jobs = new JobController(this.store, this.node);
    this.server = createServer(TLS, (req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.jobs.close();
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.node.shutdown();
  }

  /** Writes a kubeconfig that points at this server with its token, in `namespace`. */
  writeKubeconfig(path: string, namespace = 'default'): string {
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fake',
          cluster: {
            server: this.url,
            'certificate-authority-data': Buffer.from(TLS.cert).toString('base64'),
          },
        },
      ],
      users: [{ name: 'baton-test', user: { token: this.token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'baton-test', namespace } }],
      'current-context': 'fake',
    };
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  }

  addSecret(namespace: string, name: string, data: Record<string, string>): void {
    this.node.secrets.set(`${namespace}/${name}`, data);
  }

  /** The next `times` requests of `request` (`create jobs`, `list pods`, ...) are answered 429. */
  throttle(request: string, times: number, retryAfterSeconds = 1): void {
    this.throttles.push({ request, times, retryAfterSeconds });
  }

  count(request: string): number {
    return this.requests.get(request) ?? 0;
  }

  get total(): number {
    let total = 0;
    for (const value of this.requests.values()) total += value;
    return total;
  }

  resetCounts(): void {
    this.requests.clear();
    this.throttled = 0;
  }

  private send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const route =
      /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/(jobs)(?:\/([^/]+))?$/.exec(url.pathname) ??
      /^\/api\/v1\/namespaces\/([^/]+)\/(pods)(?:\/([^/]+)(\/log)?)?$/.exec(url.pathname);
    if (!route)
      return this.send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, namespace, resourceText, name, log] = route;
    const resource = resourceText as Resource;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb = log
      ? 'log'
      : req.method === 'POST'
        ? 'create'
        : req.method === 'DELETE'
          ? 'delete'
          : name
            ? 'get'
            : watch
              ? 'watch'
              : 'list';
    const request = `${verb} ${resource}`;
    this.requests.set(request, (this.requests.get(request) ?? 0) + 1);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      req.on('end', () => resolve(text));
    });

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    const throttle = this.throttles.find((rule) => rule.request === request && rule.times > 0);
    if (throttle) {
      throttle.times--;
      this.throttled++;
      const message = 'Too many requests, please try again later.';
      return this.send(
        res,
        429,
        status(429, 'TooManyRequests', message, { retryAfterSeconds: throttle.retryAfterSeconds }),
        { 'Retry-After': String(throttle.retryAfterSeconds) },
      );
    }
    const group = GROUPS[resource];
    const kindName = group ? `${resource}.${group}` : resource;
    if (this.forbidden.has(request)) {
      const message = `${kindName} is forbidden: User "system:serviceaccount:${namespace}:baton" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${namespace}"`;
      return this.send(res, 403, status(403, 'Forbidden', message, { group, kind: resource }));
    }
    if (!this.namespaces.has(namespace!)) {
      return this.send(
        res,
        404,
        status(404, 'NotFound', `namespaces "${namespace}" not found`, {
          name: namespace,
          kind: 'namespaces',
        }),
      );
    }
    const notFound = () =>
      this.send(
        res,
        404,
        status(404, 'NotFound', `${kindName} "${name}" not found`, { name, group, kind: resource }),
      );

    let selector: Selector;
    try {
      selector = parseSelector(url.searchParams.get('labelSelector'));
    } catch (error) {
      return this.send(res, 400, status(400, 'BadRequest', (error as Error).message));
    }
    switch (verb) {
      case 'list': {
        const [apiVersion, kind] = LIST_KINDS[resource];
        const items = this.store.list(resource, namespace!, selector);
        return this.send(res, 200, {
          apiVersion,
          kind,
          metadata: { resourceVersion: this.store.resourceVersion },
          items,
        });
      }
      case 'watch':
        return this.watch(res, resource, namespace!, selector, url.searchParams);
      case 'get': {
        const object = this.store.get(resource, namespace!, name!);
        return object ? this.send(res, 200, object) : notFound();
      }
      case 'create':
        return this.createJob(res, namespace!, body);
      case 'delete': {
        const object = this.store.get(resource, namespace!, name!);
        if (!object) return notFound();
        if (resource === 'pods') {
          void this.jobs.deletePod(object as PodObject);
          return this.send(res, 200, object);
        }
        let policy = url.searchParams.get('propagationPolicy') ?? undefined;
        if (body.trim() !== '')
          policy = (JSON.parse(body) as { propagationPolicy?: string }).propagationPolicy ?? policy;
        this.deletions.push({ name: name!, propagationPolicy: policy });
        void this.jobs.deleteJob(object as JobObject, policy);
        return this.send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group, kind: resource, uid: object.metadata.uid },
        });
      }
      case 'log': {
        const pod = this.store.get<PodObject>('pods', namespace!, name!);
        if (!pod) return notFound();
        const text = this.node.log(name!);
        if (text === undefined) {
          const message = `container "${pod.spec.containers[0]!.name}" in pod "${name}" is waiting to start: ContainerCreating`;
          return this.send(res, 400, status(400, 'BadRequest', message));
        }
        const tail = Number(url.searchParams.get('tailLines') ?? NaN);
        let lines = text.split('\n');
        if (lines.at(-1) === '') lines.pop();
        if (Number.isInteger(tail) && tail >= 0) lines = lines.slice(Math.max(0, lines.length - tail));
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(lines.map((line) => `${line}\n`).join(''));
        return;
      }
    }
  }

  private createJob(res: ServerResponse, namespace: string, body: string): void {
    let job: JobObject;
    try {
      job = JSON.parse(body) as JobObject;
    } catch (error) {
      return this.send(
        res,
        400,
        status(
          400,
          'BadRequest',
          `the body of the request was in an unknown format: ${(error as Error).message}`,
        ),
      );
    }
    if (job.metadata?.namespace !== undefined && job.metadata.namespace !== namespace) {
      const message = 'the namespace of the provided object does not match the namespace sent on the request';
      return this.send(res, 400, status(400, 'BadRequest', message));
    }
    const problem =
      nameProblem(job.metadata?.name) ??
      labelProblem('metadata.labels', job.metadata?.labels) ??
      labelProblem('spec.template.metadata.labels', job.spec?.template?.metadata?.labels) ??
      validateJob(job);
    const name = String(job.metadata?.name ?? '');
    if (problem) {
      const [field] = problem.split(':');
      return this.send(
        res,
        422,
        status(422, 'Invalid', `Job.batch "${name}" is invalid: ${problem}`, {
          name,
          group: 'batch',
          kind: 'Job',
          causes: [{ reason: 'FieldValueInvalid', message: problem, field }],
        }),
      );
    }
    if (this.store.get('jobs', namespace, name)) {
      return this.send(
        res,
        409,
        status(409, 'AlreadyExists', `jobs.batch "${name}" already exists`, {
          name,
          group: 'batch',
          kind: 'jobs',
        }),
      );
    }
    job.apiVersion = 'batch/v1';
    job.kind = 'Job';
    job.metadata = { ...job.metadata, namespace, generation: 1 };
    this.store.add('jobs', job);
    job.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } };
    this.created.push({ name, completions: job.spec.completions ?? 1, job: structuredClone(job) });
    this.jobs.created(job);
    this.send(res, 201, job);
  }

  private watch(
    res: ServerResponse,
    resource: Resource,
    namespace: string,
    selector: Selector,
    params: URLSearchParams,
  ): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const since = params.get('resourceVersion') ?? undefined;
    const watching = this.store.watch(resource, namespace, selector, since, write);
    if (!watching) {
      write(
        'ERROR',
        status(410, 'Expired', `too old resource version: ${since} (${this.store.resourceVersion})`),
      );
      res.end();
      return;
    }
    this.open.add(res);
    const timers: NodeJS.Timeout[] = [];
    const timeout = Number(params.get('timeoutSeconds') ?? NaN);
    if (Number.isFinite(timeout) && timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    if (params.get('allowWatchBookmarks') === 'true') {
      const [apiVersion, listKind] = LIST_KINDS[resource];
      const kind = listKind.replace(/List$/, '');
      const bookmark = () =>
        write('BOOKMARK', { kind, apiVersion, metadata: { resourceVersion: this.store.resourceVersion } });
      timers.push(setInterval(bookmark, this.bookmarkSeconds * 1000));
    }
    res.on('close', () => {
      watching.close();
      for (const timer of timers) clearTimeout(timer);
      this.open.delete(res);
    });
  }
}
