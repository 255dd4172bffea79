// The Store contract on SQLite; test/services/postgres/store.test.ts runs the same on PostgreSQL.
import { join } from 'node:path';
import { openStore } from '../../src/store/index.ts';
import { storeBehaviour } from './behaviour.ts';
import { tempDir } from './fixtures.ts';

storeBehaviour('SQLite', async (_t, options) => {
  const cwd = await tempDir();
  const reopen = () => openStore('sqlite:baton.db', { cwd, ...options });
  return { store: await reopen(), reopen };
});

storeBehaviour('SQLite, values in a folder of their own', async (_t, options) => {
  const cwd = await tempDir();
  const reopen = () =>
    openStore(`sqlite:${join(cwd, 'db', 'baton.db')}`, { values: 'shared-values', cwd, ...options });
  return { store: await reopen(), reopen };
});
