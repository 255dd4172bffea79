// A dashboard on a fresh in-memory store for one test, closed (with its store) when the test ends.
import type { TestContext } from 'node:test';
import { openStore, type Store } from '../../src/store/index.ts';
import { startDashboard, type Dashboard, type DashboardOptions } from '../../src/ui/index.ts';

export async function dashboardFor(
  t: TestContext,
  options: Partial<DashboardOptions> = {},
): Promise<{
  store: Store;
  dashboard: Dashboard;
  get: (path: string, init?: RequestInit) => Promise<Response>;
}> {
  const store = options.store ?? (await openStore('sqlite::memory:'));
  const dashboard = await startDashboard({ port: 0, ...options, store });
  t.after(async () => {
    await dashboard.close();
    await store.close();
  });
  const base = `http://127.0.0.1:${dashboard.port}`;
  return { store, dashboard, get: (path, init) => fetch(`${base}${path}`, { redirect: 'manual', ...init }) };
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  if (!response.headers.get('content-type')?.startsWith('application/json')) {
    throw new Error(`expected JSON, got ${response.status} ${response.headers.get('content-type') ?? ''}`);
  }
  return (await response.json()) as T;
}
