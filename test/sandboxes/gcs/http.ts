import type { IncomingMessage, ServerResponse } from 'node:http';
import { GcsError, invalid } from './errors.ts';

/** One request being answered. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The route's path captures, percent-decoded. */
  params: string[];
  /** `http://host:port` as the client addressed the sandbox; links and session URIs use it. */
  origin: string;
}

export interface Route {
  method: string;
  path: RegExp;
  handle(exchange: Exchange): Promise<void>;
}

/** Finds the route for a request; `undefined` params when none matches. */
export function matchRoute(
  routes: Route[],
  method: string,
  pathname: string,
): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.path.exec(pathname);
    if (!match) continue;
    try {
      return { route, params: match.slice(1).map((param) => decodeURIComponent(param)) };
    } catch {
      throw invalid(`The path ${pathname} is not valid percent-encoded UTF-8.`);
    }
  }
  return undefined;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

export function sendError(res: ServerResponse, error: GcsError): void {
  if (error.status === 304) sendEmpty(res, 304, error.headers);
  else sendJson(res, error.status, error.body, error.headers);
}

const jsonLimit = 1024 * 1024;

/** Reads a small JSON body (an empty body is `{}`). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > jsonLimit) throw invalid('The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  return parseJsonObject(text);
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GcsError(400, 'parseError', 'Parse Error');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('Expected a JSON object.');
  return value as Record<string, unknown>;
}

/** An integer query parameter, or `fallback` when absent. */
export function queryInteger(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) throw invalid(`Invalid value for ${name}: ${text}`);
  return Number(text);
}
