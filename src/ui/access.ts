// Who may use the dashboard: on a loopback address anyone on this machine (with a Host header that
// names loopback, so a web page cannot reach it through DNS rebinding); on any other address only
// whoever holds the token printed at start.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** The cookie that carries the token after the first visit with `?token=`. */
export const TOKEN_COOKIE = 'baton_token';

/** Whether `host` (an address or name to bind, or a Host header's name) stays on this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/** A fresh random token: 192 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares a presented token with the expected one in time that does not depend on where they differ. */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Digests have one length, so timingSafeEqual never sees (or leaks) different lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The hostname of a Host header (`127.0.0.1:8360` → `127.0.0.1`, `[::1]:80` → `::1`). */
export function hostName(header: string | undefined): string {
  if (header === undefined) return '';
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'));
  const colon = header.lastIndexOf(':');
  return colon < 0 ? header : header.slice(0, colon);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
}

export type AccessDecision =
  | { allowed: true }
  /** The token came in the URL: set the cookie and send the browser to the same page without it. */
  | { allowed: true; setCookie: string; redirect: string }
  | { allowed: false; status: 401 | 403; message: string };

/** Decides each request: the Host header on loopback, the token (query, cookie or bearer) elsewhere. */
export class AccessPolicy {
  readonly token: string | undefined;
  private readonly loopback: boolean;

  /** `token` is required (and only used) when `host` is not loopback. */
  constructor(host: string, token: string | undefined) {
    this.loopback = isLoopbackHost(host);
    this.token = this.loopback ? undefined : token;
  }

  check(req: IncomingMessage, url: URL): AccessDecision {
    if (this.token === undefined) {
      if (this.loopback && !isLoopbackHost(hostName(req.headers.host))) {
        return {
          allowed: false,
          status: 403,
          message: 'this dashboard answers only on a loopback host name (127.0.0.1, localhost)',
        };
      }
      return { allowed: true };
    }
    const fromQuery = url.searchParams.get('token') ?? undefined;
    if (fromQuery !== undefined && sameToken(fromQuery, this.token)) {
      url.searchParams.delete('token');
      return {
        allowed: true,
        setCookie: `${TOKEN_COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
        redirect: `${url.pathname}${url.search}`,
      };
    }
    if (sameToken(cookie(req, TOKEN_COOKIE) ?? bearer(req), this.token)) return { allowed: true };
    return {
      allowed: false,
      status: 401,
      message: 'this dashboard needs the token printed when it started: open the URL with ?token=...',
    };
  }
}
