// Cache maintenance and run control on SQLite; test/services/postgres/cache.test.ts runs the same on PostgreSQL.
import { join } from 'node:path';
import { openStore } from '../../src/store/index.ts';
import { cacheBehaviour } from './cache-behaviour.ts';
import { tempDir } from './fixtures.ts';

cacheBehaviour('SQLite', async (_t, options) => {
  const cwd = await tempDir();
  const reopen = () => openStore('sqlite:baton.db', { cwd, ...options });
  return { store: await reopen(), reopen };
});

cacheBehaviour('SQLite, values in a folder of their own', async (_t, options) => {
  const cwd = await tempDir();
  const reopen = () =>
    openStore(`sqlite:${join(cwd, 'db', 'baton.db')}`, { values: 'shared-values', cwd, ...options });
  return { store: await reopen(), reopen };
});
