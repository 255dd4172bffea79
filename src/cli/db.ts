// `baton db upgrade|info`: set up or upgrade the store's schema, and show where the store is, its
// schema version, what it holds and where its values live.
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { backendStoreOptions, openStore, type StoreInfo } from '../store/index.ts';
import { parseCommandArgs, type Command } from './args.ts';
import { formatBytes } from './format.ts';
import { displayPath } from './report.ts';

const HELP = `Usage: baton db upgrade
       baton db info [--json]

  upgrade   create the store's schema, or bring an older one up to date. baton run sets up an
            empty database by itself but never upgrades a PostgreSQL store that others share:
            run this once, when the whole team moves to the new Baton.
  info      where the store is (never with its password), its schema version, how many
            executions, jobs, tasks, cache entries and values it holds, and where values live

The store is backend.db of baton.toml (SQLite by default; postgres://... for a team).
  --json    print the same as JSON`;

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function where(info: StoreInfo, cwd: string): string {
  const d = info.description;
  return d.kind === 'sqlite' ? displayPath(d.path, cwd) : `${d.url} (schema ${d.schema})`;
}

/** The text of `baton db info`. */
export function describeInfo(info: StoreInfo, cwd: string): string {
  const { counts } = info;
  const version =
    info.schemaVersion === info.latestVersion
      ? `${info.schemaVersion} (up to date)`
      : `${info.schemaVersion} (this Baton writes ${info.latestVersion})`;
  const elsewhere = counts.values - counts.inlineValues;
  const location = info.valuesLocation;
  const values =
    `${count(counts.values)} (${count(counts.inlineValues)} inside the database, ${formatBytes(counts.inlineBytes)}` +
    (location !== undefined ? `; ${count(elsewhere)} in ${location})` : ')');
  const policy =
    location === undefined
      ? 'every value inside the database'
      : `values up to ${formatBytes(info.inlineLimit)} inside the database, larger ones in ${location}`;
  const rows: Array<[string, string]> = [
    ['database', where(info, cwd)],
    ['schema version', version],
    ['executions', count(counts.executions)],
    ['jobs', count(counts.jobs)],
    ['tasks', count(counts.tasks)],
    ['cache entries', count(counts.cacheEntries)],
    ['values', values],
    ['value store', policy],
    ['leases', `${count(counts.leases)} calls being computed by a scheduler right now`],
  ];
  return `${rows.map(([label, value]) => `${`${label}:`.padEnd(16)}${value}`).join('\n')}\n`;
}

export const dbCommand: Command = {
  name: 'db',
  summary: "set up or upgrade the store's schema (upgrade), or show what it holds (info)",
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('db', args, { json: { type: 'boolean' } });
    const [action, ...rest] = positionals;
    if ((action !== 'upgrade' && action !== 'info') || rest.length > 0) {
      throw new UsageError(
        action === undefined
          ? 'baton db needs an action'
          : `unknown baton db action '${positionals.join(' ')}'`,
        { hint: 'baton db upgrade, or baton db info; see baton db --help' },
      );
    }
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const db = config.backend.db;
    if (action === 'info' && db.startsWith('sqlite:')) {
      const path = db.slice('sqlite:'.length);
      if (path !== ':memory:' && !existsSync(path)) {
        ctx.out(
          `no database yet at ${displayPath(path, ctx.cwd)} — baton run or baton db upgrade creates it\n`,
        );
        return 0;
      }
    }
    const store = await openStore(db, { ...backendStoreOptions(config), upgrade: action === 'upgrade' });
    try {
      const info = await store.info();
      if (values.json) ctx.out(`${JSON.stringify(info, null, 2)}\n`);
      else if (action === 'upgrade')
        ctx.out(`${where(info, ctx.cwd)} is at schema version ${info.schemaVersion} (up to date)\n`);
      else ctx.out(describeInfo(info, ctx.cwd));
    } finally {
      await store.close();
    }
    return 0;
  },
};
