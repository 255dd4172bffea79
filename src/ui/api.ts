// The JSON API behind the page (documented in docs/dashboard.md): every route reads through
// DashboardData and answers a bounded amount, so a 10,000-job execution is served a page at a time.
import type { JobStatus, StoreDescription } from '../store/index.ts';
import type { DashboardData, ShownStatus } from './data.ts';
import { choiceParam, HttpError, intParam, textParam } from './http.ts';
import { JOB_STATUSES } from './job-rows.ts';
import { previewStoredValue } from './preview.ts';

const EXECUTION_STATUSES: readonly ShownStatus[] = ['running', 'lost', 'done', 'failed', 'cancelled'];
const SORTS = ['queued', 'started', 'duration', 'task', 'status'] as const;
const MAX_PAGE = 1_000;

export interface ApiContext {
  data: DashboardData;
  /** `events` when a scheduler in this process feeds the page, else `polling` (the store). */
  live: 'events' | 'polling';
  store: StoreDescription;
}

type Handler = (ctx: ApiContext, params: string[], query: URLSearchParams) => Promise<unknown>;

const ROUTES: Array<[RegExp, Handler]> = [
  [/^\/api\/about$/, about],
  [/^\/api\/executions$/, listExecutions],
  [/^\/api\/executions\/([^/]+)$/, execution],
  [/^\/api\/executions\/([^/]+)\/jobs$/, jobs],
  [/^\/api\/executions\/([^/]+)\/graph$/, graph],
  [/^\/api\/executions\/([^/]+)\/summary$/, summary],
  [/^\/api\/executions\/([^/]+)\/timeline$/, timeline],
  [/^\/api\/jobs\/([^/]+)$/, job],
];

/** The answer of an API route, or undefined when no route has this path. */
export async function answer(ctx: ApiContext, pathname: string, query: URLSearchParams): Promise<unknown> {
  for (const [pattern, handler] of ROUTES) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    let params: string[];
    try {
      params = match.slice(1).map((part) => decodeURIComponent(part));
    } catch {
      throw new HttpError(400, `the path ${pathname} is not valid URL encoding`);
    }
    return handler(ctx, params, query);
  }
  throw new HttpError(404, `no API route ${pathname}; see docs/dashboard.md for the routes`);
}

async function about(ctx: ApiContext): Promise<unknown> {
  return { live: ctx.live, store: ctx.store };
}

async function listExecutions(ctx: ApiContext, _params: string[], query: URLSearchParams): Promise<unknown> {
  return ctx.data.executions({
    status: choiceParam(query, 'status', EXECUTION_STATUSES),
    taskName: textParam(query, 'task'),
    search: textParam(query, 'q'),
    offset: intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(query, 'limit', 50, 1, MAX_PAGE),
  });
}

async function found(ctx: ApiContext, id: string) {
  const e = await ctx.data.execution(id);
  if (!e) throw new HttpError(404, `no execution has an id starting with '${id}'`);
  return e;
}

async function execution(ctx: ApiContext, [id]: string[]): Promise<unknown> {
  const e = await found(ctx, id!);
  return {
    execution: ctx.data.detail(e),
    result: await previewStoredValue(ctx.data.store, e.resultHash),
  };
}

async function jobs(ctx: ApiContext, [id]: string[], query: URLSearchParams): Promise<unknown> {
  const e = await found(ctx, id!);
  const filter = {
    status: choiceParam<JobStatus>(query, 'status', JOB_STATUSES),
    taskName: textParam(query, 'task'),
    search: textParam(query, 'q'),
    sort: choiceParam(query, 'sort', SORTS),
    descending: query.get('order') === 'desc',
    offset: intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(query, 'limit', 100, 1, MAX_PAGE),
  };
  const plain =
    filter.status === undefined &&
    filter.taskName === undefined &&
    filter.search === undefined &&
    (filter.sort ?? 'queued') === 'queued' &&
    !filter.descending;
  // The first page people see is read straight from the store: no need to read all jobs for it.
  if (plain)
    return { offset: filter.offset, ...(await ctx.data.jobsInOrder(e, filter.offset, filter.limit)) };
  return { offset: filter.offset, ...(await ctx.data.view(e)).jobs(filter) };
}

async function graph(ctx: ApiContext, [id]: string[], query: URLSearchParams): Promise<unknown> {
  const view = await ctx.data.view(await found(ctx, id!));
  const parent = textParam(query, 'parent') ?? '';
  if (parent !== '' && !view.row(parent)) throw new HttpError(404, `execution ${id!} has no job ${parent}`);
  const offset = intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const page = view.graph(parent, offset, intParam(query, 'limit', 100, 1, MAX_PAGE));
  return { parent: parent === '' ? null : parent, offset, jobs: view.rows.length, ...page };
}

async function summary(ctx: ApiContext, [id]: string[]): Promise<unknown> {
  const view = await ctx.data.view(await found(ctx, id!));
  return { tasks: view.tasks(), histogram: view.histogram() };
}

async function timeline(ctx: ApiContext, [id]: string[]): Promise<unknown> {
  const view = await ctx.data.view(await found(ctx, id!));
  return view.timeline();
}

async function job(ctx: ApiContext, [id]: string[]): Promise<unknown> {
  const detail = await ctx.data.job(id!);
  if (!detail) throw new HttpError(404, `no job has an id starting with '${id!}'`);
  return detail;
}
