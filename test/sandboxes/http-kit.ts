import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every sandbox's request carries; each sandbox adds its own fields (origin, session…). */
export interface BaseExchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The route's path captures, percent-decoded. */
  params: string[];
}

export interface Route<Exchange extends BaseExchange> {
  method: string;
  path: RegExp;
  handle(exchange: Exchange): Promise<void>;
}

/**
 * The first route for `method` whose path matches `pathname`, with its captures percent-decoded;
 * `undefined` when none matches. `malformed` builds the error for a path that is not valid
 * percent-encoded UTF-8.
 */
export function matchRoute<R extends { method: string; path: RegExp }>(
  routes: R[],
  method: string,
  pathname: string,
  malformed: (message: string) => Error,
): { route: R; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.path.exec(pathname);
    if (!match) continue;
    try {
      return { route, params: match.slice(1).map((param) => decodeURIComponent(param ?? '')) };
    } catch {
      throw malformed(`The path ${pathname} is not valid percent-encoded UTF-8.`);
    }
  }
  return undefined;
}

/** Answers with a whole text body, its Content-Type and Content-Length; `headers` come last. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

/** Reads a request body as UTF-8 text; past `limit` bytes it throws what `tooLarge` builds. */
export async function readText(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether a parsed JSON value is an object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An integer query parameter, or `fallback` when absent; `invalid` builds the error for any other text. */
export function queryInteger(url: URL, name: string, fallback: number, invalid: (message: string) => Error): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) throw invalid(`Invalid value for ${name}: ${text}`);
  return Number(text);
}

export interface Listening {
  /** `http://<host>:<port>`. */
  url: string;
  port: number;
  /** Stops listening and drops the open connections. */
  close(): Promise<void>;
}

/** Serves `handle` on `host:port` (0 picks a free port) once the port is bound. */
export async function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  host: string,
  port = 0,
): Promise<Listening> {
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
