import type { IncomingMessage, ServerResponse } from 'node:http';
import * as kit from '../http-kit.ts';
import { invalidArgument, type SheetsError } from './errors.ts';

export type Exchange = kit.BaseExchange;
export type Route = kit.Route<Exchange>;

export function matchRoute(routes: Route[], method: string, pathname: string) {
  return kit.matchRoute(routes, method, pathname, invalidArgument);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  kit.sendText(res, status, JSON.stringify(body), 'application/json; charset=UTF-8', headers);
}

export function sendError(res: ServerResponse, error: SheetsError): void {
  sendJson(res, error.code, error.body, error.headers);
}

const bodyLimit = 64 * 1024 * 1024;

export async function readText(req: IncomingMessage): Promise<string> {
  return kit.readText(req, bodyLimit, () => invalidArgument('The request body is too large.'));
}

/** Reads a JSON object body (an empty body is `{}`). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readText(req)).trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`Invalid JSON payload received. ${(error as Error).message}`);
  }
  if (!kit.isJsonObject(value)) throw invalidArgument('Invalid JSON payload received. Expected an object.');
  return value;
}
