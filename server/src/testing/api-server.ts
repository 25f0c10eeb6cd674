/** What the HTTP API tests share: a real server on a free port, a fetch client, and an SSE reader. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Flow } from '@backflow/flow-model';
import { DuckDBInstance } from '@duckdb/node-api';
import { type RunningServer, type ServeOptions, serve } from '../api/serve.ts';
import { copyDemoWarehouse } from './demo-warehouse.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** An example flow from `examples/`, parsed fresh each time so a test may change its copy. */
export async function exampleFlow(name: string): Promise<Flow> {
  return JSON.parse(await readFile(path.join(repoRoot, 'examples', `${name}.json`), 'utf8')) as Flow;
}

export interface TestServer {
  url: string;
  running: RunningServer;
  dataDir: string;
  baseDir: string;
  /** Closes the server and removes its data directory (and the base directory when it made it). */
  close(): Promise<void>;
}

/**
 * Starts a real server on 127.0.0.1 and a free port, with a fresh data directory and (unless given)
 * a fresh base directory. The base directory holds the demo warehouse from the start: a copy of the
 * test run's one build (see demo-warehouse-setup.ts), the file the server would otherwise build on
 * first use. A flow handed over with another base directory still has it built there.
 */
export async function startTestServer(options: Partial<ServeOptions> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'backflow-api-data-'));
  const ownBaseDir = options.baseDir === undefined;
  const baseDir = options.baseDir ?? (await mkdtemp(path.join(tmpdir(), 'backflow-api-base-')));
  await copyDemoWarehouse(path.join(baseDir, 'demo/warehouse.duckdb'));
  const running = await serve({ port: 0, host: '127.0.0.1', quiet: true, ...options, dataDir, baseDir });
  return {
    url: running.url,
    running,
    dataDir,
    baseDir,
    async close() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
      if (ownBaseDir) await rm(baseDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface SseEvent {
  event: string;
  data: any;
}

/** A fetch client for one server; it keeps every response body it saw, so a test can search them all. */
export class ApiClient {
  readonly bodies: string[] = [];

  constructor(
    readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    const init: RequestInit = { method, headers: { ...this.headers, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${this.url}${route}`, init);
    const text = await response.text();
    this.bodies.push(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  get(route: string, headers?: Record<string, string>) {
    return this.request('GET', route, undefined, headers);
  }

  post(route: string, body?: unknown) {
    return this.request('POST', route, body ?? {});
  }

  put(route: string, body: unknown) {
    return this.request('PUT', route, body);
  }

  delete(route: string) {
    return this.request('DELETE', route);
  }

  /** Reads the SSE stream of a run to its end (the final `summary` event) and returns every event. */
  async runEvents(runId: string): Promise<SseEvent[]> {
    const events: SseEvent[] = [];
    for await (const event of this.events(`/api/runs/${runId}/events`)) events.push(event);
    return events;
  }

  /** The events of an SSE endpoint as they arrive, parsed by hand from the text/event-stream body. */
  async *events(route: string): AsyncGenerator<SseEvent> {
    const response = await fetch(`${this.url}${route}`, { headers: this.headers });
    if (response.status !== 200) throw new Error(`GET ${route}: ${response.status} ${await response.text()}`);
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      throw new Error(`GET ${route}: content type ${response.headers.get('content-type')}`);
    }
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (value) {
          const text = decoder.decode(value, { stream: true });
          this.bodies.push(text);
          buffered += text;
        }
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = parseSseBlock(block);
          if (event) yield event;
          end = buffered.indexOf('\n\n');
        }
        if (done) break;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    if (buffered.trim() !== '') throw new Error(`SSE stream ended inside an event: ${JSON.stringify(buffered)}`);
  }
}

function parseSseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, data: JSON.parse(data.join('\n')) };
}

/**
 * A request with headers fetch will not send as given (`Host` above all, which it always derives
 * from the URL): what a DNS-rebinding page or a hand-made client can send.
 */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: {
          ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Runs SQL on a DuckDB file (or in memory) and returns the rows as JSON-safe objects. */
export async function query(sql: string, database = ':memory:'): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(database, database === ':memory:' ? {} : { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Every file under `dir`, as paths relative to it, sorted; empty when `dir` does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * Records unhandled promise rejections while installed, instead of letting vitest fail the file.
 * Needed because of a bug in engine/read-ahead.ts: a prefetched batch that rejects while the
 * consumer is still busy (a cancel, a preview stopping, a source failing mid-run) is unobserved
 * for a while; a real server process dies of it. Vitest leaves a rejection alone when user code
 * also listens for it.
 */
export function watchUnhandledRejections(): { readonly rejections: unknown[]; stop(): void } {
  const rejections: unknown[] = [];
  const onUnhandled = (reason: unknown) => {
    rejections.push(reason);
  };
  // Handled late is still handled: listening keeps Node from printing a warning for each.
  const onHandledLate = () => undefined;
  process.on('unhandledRejection', onUnhandled);
  process.on('rejectionHandled', onHandledLate);
  return {
    rejections,
    stop() {
      process.off('unhandledRejection', onUnhandled);
      process.off('rejectionHandled', onHandledLate);
    },
  };
}
