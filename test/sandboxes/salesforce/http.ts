import type { IncomingMessage, ServerResponse } from 'node:http';
import * as kit from '../http-kit.ts';
import { jsonParserError, SalesforceError } from './errors.ts';

export { sendEmpty, sendText } from '../http-kit.ts';

/** Who is calling: the user an access token was issued to. */
export interface Session {
  token: string;
  userId: string;
  clientId: string;
}

/** One API request being answered. */
export interface Exchange extends kit.BaseExchange {
  /** The API version of the request path, e.g. `59.0`. */
  version: string;
  session: Session;
}

/** Its path is matched against the path after `/services/data/vNN.N`. */
export type Route = kit.Route<Exchange>;

/** The route for a request; METHOD_NOT_ALLOWED (405) when only other methods serve its path. */
export function matchRoute(routes: Route[], method: string, path: string) {
  const match = kit.matchRoute(routes, method, path, (message) => new SalesforceError(400, 'MALFORMED_URL', message));
  if (!match && routes.some((route) => route.path.test(path))) {
    throw new SalesforceError(
      405,
      'METHOD_NOT_ALLOWED',
      `HTTP Method '${method}' not allowed. Allowed are other methods`,
    );
  }
  return match;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  kit.sendText(res, status, JSON.stringify(body), 'application/json;charset=UTF-8', headers);
}

/** Bulk 2.0 accepts up to 150 MB of CSV per upload; JSON bodies are far smaller. */
const bodyLimit = 150 * 1024 * 1024;

export function readText(req: IncomingMessage): Promise<string> {
  return kit.readText(
    req,
    bodyLimit,
    () => new SalesforceError(413, 'REQUEST_ENTITY_TOO_LARGE', 'The request body is too large.'),
  );
}

/** A JSON body; JSON_PARSER_ERROR (400) when it does not parse. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readText(req)).trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw jsonParserError(`Unexpected character in JSON body: ${(error as Error).message}`);
  }
}

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (!kit.isJsonObject(body)) throw jsonParserError('Cannot deserialize instance of object from START_ARRAY value');
  return body;
}
