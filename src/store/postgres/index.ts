// The PostgreSQL store, loaded only when backend.db is a postgres:// URL.
export { PostgresStore, type PostgresStoreOptions } from './store.ts';
export { parsePostgresUrl, type PostgresTarget } from './url.ts';
export { postgresDdl } from './ddl.ts';
