// Cache maintenance and run control on the real PostgreSQL server: values in the database, and large
// values in a shared folder (so collecting removes files too).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { openStore } from '../../../src/store/index.ts';
import { cacheBehaviour } from '../../store/cache-behaviour.ts';
import { freshSchema, needsPostgres } from './helpers.ts';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('PostgreSQL store', needsPostgres, () => {
  cacheBehaviour('PostgreSQL, values in the database', async (t, options) => {
    const { url } = freshSchema(t);
    const reopen = () => openStore(url, options);
    return { store: await reopen(), reopen };
  });

  cacheBehaviour('PostgreSQL, large values in a shared folder', async (t, options) => {
    const { url } = freshSchema(t);
    const folder = mkdtempSync(join(tmpdir(), 'baton-pg-values-'));
    folders.push(folder);
    const reopen = () => openStore(url, { ...options, values: folder });
    return { store: await reopen(), reopen };
  });
});
