/**
 * What keeps web pages the user visits from driving a server on their machine (DESIGN.md §8):
 * a request must name this server in `Host` (DNS rebinding), a state-changing request from a
 * browser must come from this server's own page (CSRF), and a body must be JSON (a cross-site
 * page can send text/plain or a form without asking, but never application/json).
 */
import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Methods that change nothing: a page can trigger them, but cannot read the answer (same-origin policy). */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function refusal(c: Context, status: ContentfulStatusCode, code: string, message: string) {
  return c.json({ error: { code, message, details: [] } }, status);
}

/** The host name of a `Host` header (`[::1]:8787` → `::1`), lower case. */
function hostNameOf(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}

/**
 * Answers only requests whose `Host` names this server. Bound to loopback, that is a loopback
 * name or address; bound elsewhere (a token is then required), any name unless `allowedHosts`
 * lists them. Entries of `allowedHosts` are host names (`backflow.internal`) or `host:port`.
 */
export function hostGuard(options: { bindHost: string; allowedHosts?: readonly string[] }): MiddlewareHandler {
  const allowed = new Set((options.allowedHosts ?? []).map((entry) => entry.trim().toLowerCase()).filter(Boolean));
  const loopback = isLoopbackHost(options.bindHost);
  return async (c, next) => {
    const header = c.req.header('host') ?? '';
    const name = hostNameOf(header);
    const ok =
      allowed.has(header.trim().toLowerCase()) ||
      allowed.has(name) ||
      (loopback ? isLoopbackHost(name) : allowed.size === 0);
    if (!ok) {
      const expected = loopback ? 'localhost or a loopback address' : [...allowed].join(', ');
      return refusal(
        c,
        421,
        'host_refused',
        `this server answers requests for ${expected}, not for "${header}"; to reach it under that name, add it to BACKFLOW_ALLOWED_HOSTS`,
      );
    }
    await next();
  };
}

/**
 * Refuses a state-changing request a browser sent from another origin: its `Origin` must be this
 * server's own (`http://<Host>`) or one of `corsOrigins`. Clients that are not browsers send no
 * `Origin` and pass (they hold no ambient credentials a page could borrow).
 */
export function originGuard(options: { corsOrigins?: readonly string[] }): MiddlewareHandler {
  const trusted = new Set(options.corsOrigins ?? []);
  return async (c, next) => {
    if (safeMethods.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    const host = c.req.header('host') ?? '';
    const sameOrigin = origin === `http://${host}` || origin === `https://${host}`;
    if (origin !== undefined && !sameOrigin && !trusted.has(origin)) {
      return refusal(
        c,
        403,
        'origin_refused',
        `a ${c.req.method} from the page at ${origin} is refused: only this server's editor${trusted.size ? ' and BACKFLOW_CORS_ORIGINS' : ''} may change anything`,
      );
    }
    if (origin === undefined && c.req.header('sec-fetch-site') === 'cross-site') {
      return refusal(c, 403, 'origin_refused', `a cross-site ${c.req.method} is refused`);
    }
    await next();
  };
}

/** Refuses a request body that is not declared as JSON with 415, before anything reads it. */
export function jsonBodyGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (safeMethods.has(c.req.method)) return next();
    const length = c.req.header('content-length');
    const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (hasBody && mediaType !== 'application/json') {
      return refusal(
        c,
        415,
        'unsupported_media_type',
        `request bodies must be JSON sent with Content-Type: application/json${mediaType ? `, not ${mediaType}` : ''}`,
      );
    }
    await next();
  };
}
