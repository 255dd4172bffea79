// PostgreSQL's and the network's errors as StoreErrors that name the server and database (never the
// password) and say what to do.
import { StoreConnectionError, StoreError } from '../../errors.ts';
import type { PostgresTarget } from './url.ts';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const AUTHENTICATION = new Set(['28P01', '28000']);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether the error means the connection itself failed (so a fresh one may succeed). */
export function isConnectionLoss(error: unknown): boolean {
  const code = codeOf(error);
  return (
    UNREACHABLE.has(code) ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === '57P01' ||
    /Connection terminated|connection timeout|timeout expired/i.test(messageOf(error))
  );
}

/** Deadlocks and serialization failures: the transaction may simply be run again. */
export function isRetryable(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40P01' || code === '40001';
}

/** The error of a failed connection attempt or statement, as a StoreError for the user. */
export function storeFailure(target: PostgresTarget, doing: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = codeOf(error);
  const reason = messageOf(error);
  const where = `${doing} ${target.display}`;
  if (UNREACHABLE.has(code) || /connection timeout|timeout expired/i.test(reason)) {
    return new StoreConnectionError(
      `cannot reach PostgreSQL for ${where}: ${reason}`,
      { reason: 'unreachable', target: target.target },
      {
        cause: error,
        hint: `check that PostgreSQL runs on ${target.host}:${target.port} and accepts connections from this host (listen_addresses, firewall), or fix backend.db in baton.toml`,
      },
    );
  }
  if (AUTHENTICATION.has(code) || /password|SASL|SCRAM|authentication/i.test(reason)) {
    return new StoreConnectionError(
      `PostgreSQL refused user ${target.user} for ${where}: ${reason}`,
      { reason: 'authentication', target: target.target },
      {
        cause: error,
        hint: `check the user name and password (keep the password in PGPASSWORD or ~/.pgpass rather than in baton.toml) and that pg_hba.conf lets ${target.user} connect to ${target.database} from this host`,
      },
    );
  }
  if (code === '3D000') {
    return new StoreConnectionError(
      `PostgreSQL has no database ${target.database} for ${where}`,
      { reason: 'no-database', target: target.target },
      {
        cause: error,
        hint: `create it (createdb -h ${target.host} -p ${target.port} ${target.database}) or fix backend.db in baton.toml`,
      },
    );
  }
  if (code === '42501') {
    return new StoreConnectionError(
      `PostgreSQL denied user ${target.user} for ${where}: ${reason}`,
      { reason: 'permission', target: target.target },
      {
        cause: error,
        hint: `ask the owner of ${target.database} to grant ${target.user} the rights on schema ${target.schema} (USAGE, CREATE, and SELECT/INSERT/UPDATE/DELETE on its tables)`,
      },
    );
  }
  return new StoreError(`${where} failed: ${code ? `${code} ` : ''}${reason}`, {
    cause: error,
    hint: isConnectionLoss(error)
      ? `the connection to ${target.host}:${target.port} was lost; run again when the server is back`
      : 'see the PostgreSQL server log for details',
  });
}
