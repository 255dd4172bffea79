// The dashboard's HTTP server (node:http only): the static page, the JSON API and the live event
// stream, behind the access policy, with a strict Content-Security-Policy on every answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.ts';
import type { SchedulerEvent } from '../scheduler/index.ts';
import type { Store } from '../store/index.ts';
import { AccessPolicy, isLoopbackHost, newToken } from './access.ts';
import { answer, type ApiContext } from './api.ts';
import { DashboardData } from './data.ts';
import { HttpError, SECURITY_HEADERS, sendError, sendJson } from './http.ts';
import { LiveFeed, type LiveMessage } from './live.ts';
import { loadStaticFiles, type StaticFile } from './static-files.ts';

export interface DashboardOptions {
  /** An open store; the dashboard reads it and never closes it. */
  store: Store;
  /** Address to listen on; anything but loopback requires the token. @default '127.0.0.1' */
  host?: string | undefined;
  /** 0 picks a free port. @default 8360 */
  port?: number | undefined;
  /** The token for a non-loopback host. @default a fresh random one */
  token?: string | undefined;
  /** ms between reads of the store for live updates. @default 1000 */
  pollInterval?: number | undefined;
  /** `events`: a scheduler in this process calls `publish`. @default 'polling' */
  live?: 'events' | 'polling' | undefined;
  /** Where problems reading the store while polling go. @default ignored */
  onError?: ((error: unknown) => void) | undefined;
}

export interface Dashboard {
  /** The address to open, with `?token=` when one is needed. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Passes a scheduler event of this process to open pages. */
  publish(event: SchedulerEvent): void;
  /** Ends the live streams and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8360;
const KEEPALIVE_MS = 15_000;
const CLOSE_GRACE_MS = 1_000;

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the dashboard server; rejects with a UsageError naming the port when it is taken. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = isLoopbackHost(host) ? undefined : (options.token ?? newToken());
  const access = new AccessPolicy(host, token);
  const files = loadStaticFiles();
  const data = new DashboardData(options.store);
  const feed = new LiveFeed(data, { interval: options.pollInterval, onError: options.onError });
  const ctx: ApiContext = { data, live: options.live ?? 'polling', store: options.store.describe() };
  const streams = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else if (error instanceof HttpError) sendError(res, error.status, error.message);
      else sendError(res, 500, error instanceof Error ? error.message : String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const decision = access.check(req, url);
    if (!decision.allowed) return sendError(res, decision.status, decision.message);
    if ('redirect' in decision) {
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        Location: decision.redirect,
        'Set-Cookie': decision.setCookie,
      });
      return void res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, `the dashboard only reads: ${req.method ?? '?'} is not allowed`);
    }
    if (url.pathname === '/api/events') return openStream(res);
    if (url.pathname.startsWith('/api/'))
      return sendJson(res, 200, await answer(ctx, url.pathname, url.searchParams));
    const file = files.get(url.pathname);
    if (!file) return sendError(res, 404, `no page ${url.pathname}`);
    serveFile(req, res, file);
  }

  function openStream(res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ live: ctx.live })}\n\n`);
    streams.add(res);
    const send = (message: LiveMessage) =>
      res.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
    const unsubscribe = feed.subscribe(send);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    res.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(res);
    });
  }

  const port = await listen(server, host, options.port ?? DEFAULT_PORT);
  const base = `http://${urlHost(host)}:${port}/`;
  return {
    url: token === undefined ? base : `${base}?token=${encodeURIComponent(token)}`,
    host,
    port,
    publish: (event) => feed.publish(event),
    close: async () => {
      feed.close();
      for (const res of streams) res.end('event: closed\ndata: {}\n\n');
      // Requests under way may finish (briefly); idle keep-alive connections go at once.
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

function serveFile(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': file.type,
    ETag: file.etag,
    'Cache-Control': 'no-cache',
  };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  res.writeHead(200, { ...headers, 'Content-Length': file.body.length });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${urlHost(host)}:${port}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new UsageError(`port ${port} on ${host} is in use`, {
            hint: 'pick another with --port N (0 picks a free one)',
          }),
        );
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EACCES') {
        reject(
          new UsageError(`the dashboard cannot listen on ${where}: ${error.message}`, {
            hint: 'give --host an address of this machine (127.0.0.1 by default) and a --port above 1023',
          }),
        );
      } else reject(error);
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
