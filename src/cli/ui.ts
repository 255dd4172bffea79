// `baton ui`: the web dashboard over the configured store, until Ctrl-C; and the dashboard that
// `baton run --ui` starts beside its run, fed by the run's own events.
import { loadConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import type { Scheduler, SchedulerEvent } from '../scheduler/index.ts';
import { backendStoreOptions, openStore } from '../store/index.ts';
import { DEFAULT_PORT, startDashboard, type Dashboard } from '../ui/index.ts';
import { parseCommandArgs, type CliContext, type Command } from './args.ts';

const HELP = `Usage: baton ui [--port N] [--host H]

Serves the dashboard of the configured store (executions, call graphs, timelines, jobs with their
arguments, results, errors and task source) and keeps it live while runs are in progress.
Stops on Ctrl-C.

  --port N   the port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H   the address to listen on (default 127.0.0.1). Any address that is not loopback
             requires a token: the URL printed at start carries it (?token=...).
             BATON_UI_TOKEN sets the token instead of a fresh random one.

The JSON API behind the page is described in docs/dashboard.md.`;

/** A port number from the command line (0 for any free port). */
export function parsePort(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`${option} must be a port number from 0 to 65535, got '${text}'`, {
      hint: `${option} 0 picks a free port`,
    });
  }
  return port;
}

function tokenFrom(env: NodeJS.ProcessEnv): string | undefined {
  const token = env['BATON_UI_TOKEN'];
  if (token === undefined || token === '') return undefined;
  if (token.length < 16) {
    throw new UsageError('BATON_UI_TOKEN is shorter than 16 characters', {
      hint: 'use a long random token, or unset BATON_UI_TOKEN to get a fresh one',
    });
  }
  return token;
}

export const uiCommand: Command = {
  name: 'ui',
  summary: 'serve the web dashboard of executions, jobs and the cache',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('ui', args, {
      port: { type: 'string' },
      host: { type: 'string' },
    });
    if (positionals.length > 0) {
      throw new UsageError(`baton ui takes no arguments, got '${positionals[0]!}'`, {
        hint: 'see baton ui --help',
      });
    }
    const port = parsePort(values.port, '--port');
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const store = await openStore(config.backend.db, backendStoreOptions(config));
    let dashboard: Dashboard;
    try {
      dashboard = await startDashboard({
        store,
        host: values.host,
        port,
        token: tokenFrom(ctx.env),
        onError: (error) => ctx.err(`baton ui: cannot read the store: ${String(error)}\n`),
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    ctx.out(`Baton dashboard: ${dashboard.url}\n`);
    ctx.err('baton: Ctrl-C stops the dashboard\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
    await store.close();
    return 0;
  },
};

/** The dashboard of `baton run --ui`: fed the run's events; the returned `onEvent` passes them on. */
export async function startRunDashboard(
  scheduler: Scheduler,
  port: number | undefined,
  ctx: CliContext,
  onEvent: (event: SchedulerEvent) => void,
): Promise<{ onEvent: (event: SchedulerEvent) => void; close: () => Promise<void> }> {
  const store = await scheduler.store();
  const start = (at: number) => startDashboard({ store, port: at, live: 'events' });
  let dashboard: Dashboard;
  try {
    dashboard = await start(port ?? DEFAULT_PORT);
  } catch (error) {
    // Without --ui-port the default may be taken by another dashboard: any free port serves.
    if (port !== undefined || !(error instanceof UsageError)) throw error;
    dashboard = await start(0);
  }
  ctx.err(`baton: dashboard at ${dashboard.url} (open while the run lasts)\n`);
  return {
    onEvent: (event) => {
      onEvent(event);
      dashboard.publish(event);
    },
    close: () => dashboard.close(),
  };
}
