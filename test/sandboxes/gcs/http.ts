import type { IncomingMessage, ServerResponse } from 'node:http';
import * as kit from '../http-kit.ts';
import { GcsError, invalid } from './errors.ts';

export { sendEmpty } from '../http-kit.ts';

/** One request being answered. */
export interface Exchange extends kit.BaseExchange {
  /** `http://host:port` as the client addressed the sandbox; links and session URIs use it. */
  origin: string;
}

export type Route = kit.Route<Exchange>;

/** Finds the route for a request; `undefined` params when none matches. */
export function matchRoute(routes: Route[], method: string, pathname: string) {
  return kit.matchRoute(routes, method, pathname, invalid);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  kit.sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

export function sendError(res: ServerResponse, error: GcsError): void {
  if (error.status === 304) kit.sendEmpty(res, 304, error.headers);
  else sendJson(res, error.status, error.body, error.headers);
}

const jsonLimit = 1024 * 1024;

/** Reads a small JSON body (an empty body is `{}`). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await kit.readText(req, jsonLimit, () => invalid('The request body is too large.'))).trim();
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
  if (!kit.isJsonObject(value)) throw invalid('Expected a JSON object.');
  return value;
}

/** An integer query parameter, or `fallback` when absent. */
export function queryInteger(url: URL, name: string, fallback: number): number {
  return kit.queryInteger(url, name, fallback, invalid);
}
