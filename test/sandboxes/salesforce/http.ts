import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonParserError, SalesforceError } from './errors.ts';

/** Who is calling: the user an access token was issued to. */
export interface Session {
  token: string;
  userId: string;
  clientId: string;
}

/** One API request being answered. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The route's path captures, percent-decoded. */
  params: string[];
  /** The API version of the request path, e.g. `59.0`. */
  version: string;
  session: Session;
}

export interface Route {
  method: string;
  /** Matched against the path after `/services/data/vNN.N`. */
  path: RegExp;
  handle(exchange: Exchange): Promise<void>;
}

export function matchRoute(routes: Route[], method: string, path: string) {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.path.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    try {
      return { route, params: match.slice(1).map((param) => decodeURIComponent(param)) };
    } catch {
      throw new SalesforceError(400, 'MALFORMED_URL', `The path ${path} is not valid percent-encoded UTF-8.`);
    }
  }
  if (pathMatched) {
    throw new SalesforceError(
      405,
      'METHOD_NOT_ALLOWED',
      `HTTP Method '${method}' not allowed. Allowed are other methods`,
    );
  }
  return undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

/** Bulk 2.0 accepts up to 150 MB of CSV per upload; JSON bodies are far smaller. */
const bodyLimit = 150 * 1024 * 1024;

export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > bodyLimit) throw new SalesforceError(413, 'REQUEST_ENTITY_TOO_LARGE', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw jsonParserError('Cannot deserialize instance of object from START_ARRAY value');
  }
  return body as Record<string, unknown>;
}
