import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HubspotError, invalidInput } from './errors.ts';

/** One request being answered. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The route's path captures, percent-decoded. */
  params: string[];
  /** `http://host:port` as the client addressed the sandbox; paging links use it. */
  origin: string;
}

export interface Route {
  method: string;
  path: RegExp;
  handle(exchange: Exchange): Promise<void>;
}

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
      return { route, params: match.slice(1).map((param) => decodeURIComponent(param ?? '')) };
    } catch {
      throw invalidInput(`The path ${pathname} is not valid percent-encoded UTF-8.`);
    }
  }
  return undefined;
}

/** Headers every answer carries (the rate-limit state); set by the server before a route runs. */
const commonHeaders = new WeakMap<ServerResponse, Record<string, string>>();

export function setCommonHeaders(res: ServerResponse, headers: Record<string, string>): void {
  commonHeaders.set(res, headers);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...commonHeaders.get(res),
    'Content-Type': 'application/json;charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { ...commonHeaders.get(res), 'Content-Length': 0 });
  res.end();
}

export function sendError(res: ServerResponse, error: HubspotError): void {
  sendJson(res, error.status, error.body, error.headers);
}

const jsonLimit = 8 * 1024 * 1024;

/** Reads a JSON object body (an empty body is `{}`). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > jsonLimit) throw invalidInput('The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidInput(`Invalid input JSON on line 1: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput('Invalid input JSON: expected an object.');
  }
  return value as Record<string, unknown>;
}

/** A list query parameter given repeated (`properties=a&properties=b`) or comma-separated, or both. */
export function queryList(url: URL, name: string): string[] | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length === 0) return undefined;
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

export function queryInteger(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) throw invalidInput(`Invalid value for ${name}: ${text}`);
  return Number(text);
}

export function queryBoolean(url: URL, name: string): boolean {
  return url.searchParams.get(name) === 'true';
}
