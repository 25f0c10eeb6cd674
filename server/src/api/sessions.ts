/**
 * Who may call the API. Programs send `Authorization: Bearer <BACKFLOW_TOKEN>`. The editor trades
 * the token once for a session: an HttpOnly, SameSite=Strict cookie a script cannot read and a
 * cross-site request never carries, plus a CSRF token the editor sends back in a header on every
 * state-changing request. Sessions are signed, not stored; they end when the server restarts.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ApiRoutes } from './api-routes.ts';

export const sessionCookie = 'backflow_session';
export const csrfHeader = 'x-backflow-csrf';
const sessionSeconds = 12 * 60 * 60;

/** Signs and checks session cookies with a key that lives as long as the process. */
export class Sessions {
  private readonly key = randomBytes(32);

  constructor(readonly token: string | undefined) {}

  get tokenRequired(): boolean {
    return this.token !== undefined;
  }

  /** A new session: the cookie value and its CSRF token. */
  issue(now = Date.now()): { cookie: string; csrfToken: string } {
    const id = randomBytes(16).toString('base64url');
    const expires = Math.floor(now / 1000) + sessionSeconds;
    const payload = `${id}.${expires}`;
    return { cookie: `${payload}.${this.sign(payload)}`, csrfToken: this.sign(`csrf:${id}`) };
  }

  /** The CSRF token of a valid, unexpired cookie; undefined otherwise. */
  csrfTokenOf(cookie: string | undefined, now = Date.now()): string | undefined {
    const [id, expires, signature] = (cookie ?? '').split('.');
    if (!id || !expires || !signature) return undefined;
    if (!sameText(signature, this.sign(`${id}.${expires}`))) return undefined;
    if (Number(expires) * 1000 <= now) return undefined;
    return this.sign(`csrf:${id}`);
  }

  tokenMatches(given: string): boolean {
    return this.token !== undefined && sameText(given, this.token);
  }

  private sign(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

/** Compares two strings in constant time (hashed first, so lengths leak nothing either). */
function sameText(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With a token, every `/api` request needs the bearer token or a session cookie; a state-changing
 * request on a session also needs its CSRF token in `X-Backflow-CSRF`. `/api/session` is open: it
 * is where the editor signs in. Preflights pass (browsers never send credentials on them).
 */
export function authGuard(sessions: Sessions): MiddlewareHandler {
  return async (c, next) => {
    if (!sessions.tokenRequired || c.req.method === 'OPTIONS' || c.req.path === '/api/session') return next();
    const bearer = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined) {
      if (sessions.tokenMatches(bearer)) return next();
      return unauthorized(c, 'the bearer token is wrong');
    }
    const csrfToken = sessions.csrfTokenOf(getCookie(c, sessionCookie));
    if (csrfToken === undefined) {
      return unauthorized(
        c,
        'this server needs Authorization: Bearer <BACKFLOW_TOKEN>, or a session from POST /api/session',
      );
    }
    if (!safeMethods.has(c.req.method) && !sameText(c.req.header(csrfHeader) ?? '', csrfToken)) {
      return c.json(
        {
          error: {
            code: 'csrf_refused',
            message: `a ${c.req.method} on a session needs the session's CSRF token in ${csrfHeader}`,
            details: [],
          },
        },
        403,
      );
    }
    await next();
  };
}

function unauthorized(c: Context, message: string) {
  c.header('WWW-Authenticate', 'Bearer');
  return c.json({ error: { code: 'unauthorized', message, details: [] } }, 401);
}

const sessionViewSchema = {
  type: 'object',
  required: ['tokenRequired', 'signedIn'],
  properties: {
    tokenRequired: { type: 'boolean', description: 'The server was started with BACKFLOW_TOKEN' },
    signedIn: { type: 'boolean', description: 'Requests from this browser are authorised' },
    csrfToken: { type: 'string', description: `Send it as ${csrfHeader} on every POST, PUT and DELETE` },
  },
};

/** `GET/POST/DELETE /api/session`: the editor's sign-in. */
export function sessionRoutes(routes: ApiRoutes, sessions: Sessions): void {
  routes.add({
    method: 'get',
    path: '/api/session',
    summary: 'Whether this browser is signed in, and its CSRF token when it is',
    tag: 'session',
    responses: { 200: { description: 'The session', schema: sessionViewSchema } },
    handler: (c) => {
      if (!sessions.tokenRequired) return c.json({ tokenRequired: false, signedIn: true });
      const csrfToken = sessions.csrfTokenOf(getCookie(c, sessionCookie));
      return c.json(
        csrfToken ? { tokenRequired: true, signedIn: true, csrfToken } : { tokenRequired: true, signedIn: false },
      );
    },
  });

  routes.add<{ token?: string }>({
    method: 'post',
    path: '/api/session',
    summary: 'Sign in with BACKFLOW_TOKEN: sets an HttpOnly session cookie and returns its CSRF token',
    tag: 'session',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { token: { type: 'string', maxLength: 4096, writeOnly: true } },
    },
    responses: {
      200: { description: 'Signed in', schema: sessionViewSchema },
      401: { description: 'The token is wrong' },
    },
    handler: (c, { body }) => {
      if (!sessions.tokenRequired) return c.json({ tokenRequired: false, signedIn: true });
      if (!sessions.tokenMatches(body.token ?? '')) return unauthorized(c, 'the token is wrong');
      const { cookie, csrfToken } = sessions.issue();
      setCookie(c, sessionCookie, cookie, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/api',
        maxAge: sessionSeconds,
        secure: new URL(c.req.url).protocol === 'https:',
      });
      return c.json({ tokenRequired: true, signedIn: true, csrfToken });
    },
  });

  routes.add({
    method: 'delete',
    path: '/api/session',
    summary: 'Sign out',
    tag: 'session',
    responses: { 204: { description: 'Signed out' } },
    handler: (c) => {
      deleteCookie(c, sessionCookie, { path: '/api' });
      return c.body(null, 204);
    },
  });
}
