import type { IncomingMessage, ServerResponse } from 'node:http';
import * as kit from '../http-kit.ts';
import { type HubspotError, invalidInput } from './errors.ts';

/** One request being answered. */
export interface Exchange extends kit.BaseExchange {
  /** `http://host:port` as the client addressed the sandbox; paging links use it. */
  origin: string;
}

export type Route = kit.Route<Exchange>;

export function matchRoute(routes: Route[], method: string, pathname: string) {
  return kit.matchRoute(routes, method, pathname, invalidInput);
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
  kit.sendText(res, status, JSON.stringify(body), 'application/json;charset=utf-8', {
    ...commonHeaders.get(res),
    ...headers,
  });
}

export function sendEmpty(res: ServerResponse, status: number): void {
  kit.sendEmpty(res, status, commonHeaders.get(res));
}

export function sendError(res: ServerResponse, error: HubspotError): void {
  sendJson(res, error.status, error.body, error.headers);
}

const jsonLimit = 8 * 1024 * 1024;

/** Reads a JSON object body (an empty body is `{}`). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await kit.readText(req, jsonLimit, () => invalidInput('The request body is too large.'))).trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidInput(`Invalid input JSON on line 1: ${(error as Error).message}`);
  }
  if (!kit.isJsonObject(value)) throw invalidInput('Invalid input JSON: expected an object.');
  return value;
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
  return kit.queryInteger(url, name, fallback, invalidInput);
}

export function queryBoolean(url: URL, name: string): boolean {
  return url.searchParams.get(name) === 'true';
}
