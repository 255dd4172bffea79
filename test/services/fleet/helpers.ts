// The fleet suites run against the machine's real Redis (TESTBED.md). Each test has its own queue and
// key prefix, removed after it; under CI=true an unreachable Redis fails the suite instead of skipping it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { project, waitFor, type Project } from '../../cli/helpers.ts';

export const REDIS_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Undefined when Redis answers; else why not (a failure under CI=true). */
export async function redisMissing(url = REDIS_URL): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
  if (reachable) return undefined;
  const reason = `Redis is not reachable at ${url}: start it as TESTBED.md says (scripts/ensure-services.sh)`;
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

/** Removes every key under `prefix`. */
export async function cleanKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface FleetProject extends Project {
  prefix: string;
  queue: string;
  /** Starts `baton worker` in the project (in network namespace `netns` when given); its output is kept. */
  worker(args?: string[], env?: NodeJS.ProcessEnv, where?: { netns?: string }): FleetWorker;
}

export interface FleetWorker {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A project whose `default` executor is a fleet on its own queue and prefix, cleaned up after the test. */
export function fleetProject(
  t: TestContext,
  options: { url?: string; extra?: string[]; workflow?: string; lockDuration?: number } = {},
): FleetProject {
  const prefix = `bt-${randomUUID().slice(0, 8)}`;
  const queue = 'jobs';
  const config = [
    '[executors.default]',
    'type = "fleet"',
    `url = ${JSON.stringify(options.url ?? REDIS_URL)}`,
    `queue = "${queue}"`,
    `prefix = "${prefix}"`,
    `lock_duration = ${options.lockDuration ?? 2}`,
    'heartbeat = 0.5',
    ...(options.extra ?? []),
    '',
  ].join('\n');
  const base = project(t, { config });
  const workers: FleetWorker[] = [];
  t.after(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    // A private server (a password, TLS) goes with its keys; the shared one is cleaned.
    if (options.url === undefined) await cleanKeys(REDIS_URL, prefix);
  });
  if (options.workflow !== undefined) base.write('wf.ts', options.workflow);
  return {
    ...base,
    prefix,
    queue,
    worker(args = ['--concurrency', '1'], env = {}, where = {}) {
      const { child, done } =
        where.netns === undefined
          ? base.start(['worker', ...args], { env })
          : startIn(where.netns, base.dir, args, env);
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const worker = {
        child,
        output: () => output,
        exited: done.then(({ code, signal }) => ({ code, signal })),
      };
      workers.push(worker);
      return worker;
    },
  };
}

const CLI = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

/** `baton worker ARGS` run inside a network namespace. */
function startIn(
  netns: string,
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(
    'ip',
    ['netns', 'exec', netns, process.execPath, '--conditions=baton-source', CLI, 'worker', ...args],
    { cwd: dir, env: { ...process.env, BATON_CONFIG: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, done };
}

/** Waits until `count` workers have announced themselves on stderr. */
export async function workersReady(workers: FleetWorker[]): Promise<void> {
  await waitFor(
    () => workers.every((worker) => /baton worker \S+: executor/.test(worker.output())),
    'workers to start',
    60_000,
  );
}

/** A Redis of its own on `port` with a password, and TLS on `tlsPort` when asked; stopped after the test. */
export async function privateRedis(
  t: TestContext,
  options: { port: number; password: string; tls?: boolean; bind?: string[] },
): Promise<{ ca: string | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-redis-'));
  const bind = options.bind ?? ['127.0.0.1'];
  const args = ['--port', String(options.port), '--bind', ...bind, '--save', '', '--appendonly', 'no'];
  args.push('--requirepass', options.password, '--dir', dir);
  let ca: string | undefined;
  if (options.tls) {
    ca = join(dir, 'ca.pem');
    const key = join(dir, 'server.key');
    const cert = join(dir, 'server.pem');
    const openssl = (argv: string[]) => execFileSync('openssl', argv, { stdio: 'ignore' });
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=baton-test-ca',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      ca,
    ]);
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      key,
      '-out',
      join(dir, 'server.csr'),
    ]);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    openssl([
      'x509',
      '-req',
      '-in',
      join(dir, 'server.csr'),
      '-CA',
      ca,
      '-CAkey',
      join(dir, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      cert,
      '-extfile',
      join(dir, 'ext.cnf'),
    ]);
    args.push(
      '--port',
      '0',
      '--tls-port',
      String(options.port),
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
    );
    args.push('--tls-ca-cert-file', ca, '--tls-auth-clients', 'no');
  }
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  t.after(async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 10_000;
  while ((await redisMissing(`redis://127.0.0.1:${options.port}`).catch(() => 'no')) !== undefined) {
    if (Date.now() > deadline) throw new Error(`redis-server on port ${options.port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ca };
}
