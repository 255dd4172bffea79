// The web dashboard: a node:http server for the page shipped in src/ui/static and its JSON API.
export { startDashboard, DEFAULT_PORT, type Dashboard, type DashboardOptions } from './server.ts';
export { isLoopbackHost } from './access.ts';
export type { ExecutionSummary, ExecutionDetail, JobDetail } from './data.ts';
export type { LiveMessage } from './live.ts';
