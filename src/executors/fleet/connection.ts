// Connecting to the fleet's Redis: ioredis options from the section's URL (user, password, db, TLS),
// and errors that name the server without its password.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';
import { redact } from '../../config/index.ts';
import { ConfigError, ExecutorError } from '../../errors.ts';
import type { FleetOptions } from './options.ts';

/** How long a first connection may take before the executor or worker gives up. */
const CONNECT_TIMEOUT_MS = 5000;

/** The URL as it may be shown: the password replaced by `***`. */
export function shownUrl(url: string): string {
  return redact(url);
}

/** ioredis options for the section's server; relative `tls_ca` paths resolve against `root`. */
export function redisOptions(options: FleetOptions, root: string, where: string): RedisOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (cause) {
    throw new ConfigError(
      `${where}: url ${shownUrl(options.url)} is not a valid URL`,
      { key: 'url' },
      { cause, hint: 'write redis://[user:password@]host[:port][/db]' },
    );
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new ConfigError(`${where}: url ${shownUrl(options.url)} names database '${db}', not a number`, {
      key: 'url',
    });
  }
  const tls = url.protocol === 'rediss:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db: db === '' ? 0 : Number(db),
    tls: tls
      ? {
          servername: url.hostname,
          ca: options.tls_ca === undefined ? undefined : readFileSync(resolve(root, options.tls_ca)),
          rejectUnauthorized: !options.tls_insecure,
        }
      : undefined,
    // BullMQ's blocking connections must wait for ever; commands queue while reconnecting.
    maxRetriesPerRequest: null,
    connectTimeout: CONNECT_TIMEOUT_MS,
    lazyConnect: true,
  };
}

/** An error for a Redis that cannot be used, naming it without its password. */
export function redisError(executor: string, url: string, cause: unknown): ExecutorError {
  const reason = redact(cause instanceof Error ? cause.message : String(cause));
  return new ExecutorError(
    `executor ${executor}: cannot use Redis at ${shownUrl(url)}: ${reason}`,
    { executor, retryable: false },
    {
      hint: /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(reason)
        ? 'check the user and password in the url (a ${VAR} in baton.toml reads them from the environment)'
        : 'check that Redis runs there and can be reached from this machine (url in baton.toml)',
    },
  );
}

/** A connected client, or an ExecutorError naming the server; never prints the password. */
export async function connectRedis(
  options: RedisOptions,
  executor: string,
  url: string,
  connectionName: string,
): Promise<Redis> {
  const client = new Redis({ ...options, connectionName, retryStrategy: () => null });
  let lastError: unknown;
  client.on('error', (error: unknown) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw redisError(executor, url, lastError ?? error);
  }
  // Connected once: from now on reconnect after a network hiccup, as a long-lived client should.
  client.options.retryStrategy = (times: number) => Math.min(times * 200, 2000);
  return client;
}
