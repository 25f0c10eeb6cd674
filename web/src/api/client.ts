import { describeIssue } from '@backflow/flow-model';
import type {
  ApiErrorBody,
  Connection,
  ConnectionInput,
  ConnectionTest,
  ConnectionType,
  Flow,
  FlowVersion,
  Health,
  Issue,
  Issues,
  LogLine,
  NodeTypeInfo,
  PreviewResult,
  RejectedRow,
  RunId,
  RunView,
  SavedFlow,
  SessionView,
  StreamInfo,
} from './types.ts';

/**
 * The editor's session on a server started with BACKFLOW_TOKEN: the token is traded once for an
 * HttpOnly cookie (no script, ours included, can read it) and a CSRF token kept in memory, sent
 * back on every request that changes something. Without a token the server needs neither.
 */
let csrfToken: string | undefined;
let sessionLoaded: Promise<void> | undefined;

const csrfHeader = 'x-backflow-csrf';
const safeMethods = new Set(['GET', 'HEAD']);

async function readSession(response: Response): Promise<SessionView> {
  if (!response.ok) throw await apiErrorOf(response);
  const session = (await response.json()) as SessionView;
  csrfToken = session.csrfToken;
  return session;
}

/** Whether this browser is signed in (picking up the CSRF token of a session it already has). */
export async function loadSession(): Promise<SessionView> {
  return readSession(await fetch('/api/session'));
}

/** Sent on `window` after a sign-in, so what was refused before it is asked for again. */
export const signedInEvent = 'backflow:signed-in';

/** Trades BACKFLOW_TOKEN for a session; throws an ApiError (401) when the token is wrong. */
export async function signIn(token: string): Promise<void> {
  await readSession(
    await fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    }),
  );
  window.dispatchEvent(new Event(signedInEvent));
}

/** An API answer other than 2xx, with the server's `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Issue[];
  readonly nodeId: string | undefined;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details ?? [];
    this.nodeId = body.nodeId;
  }
}

/** What a person reads when a call fails: the API's message, then each detail with its path. */
export function describeError(error: unknown): { message: string; details: string[] } {
  if (error instanceof ApiError) {
    const details = error.details.map(describeIssue);
    // The message often repeats the details after a colon; keep the part before it when details follow.
    const message = details.length > 0 && error.message.includes(': ') ? error.message.split(': ')[0]! : error.message;
    return { message, details };
  }
  if (error instanceof TypeError) return { message: `the server could not be reached (${error.message})`, details: [] };
  return { message: error instanceof Error ? error.message : String(error), details: [] };
}

/** A fetch of `/api/…` that throws an `ApiError` for any answer other than 2xx. */
export async function apiFetch(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  const method = init.method ?? 'GET';
  const changes = !safeMethods.has(method);
  // After a reload the cookie is still there but the CSRF token is not: ask for it once.
  if (changes && csrfToken === undefined) {
    sessionLoaded ??= loadSession().then(
      () => undefined,
      () => undefined,
    );
    await sessionLoaded;
  }
  const response = await fetch(path, {
    method,
    ...(init.signal ? { signal: init.signal } : {}),
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(changes && csrfToken ? { [csrfHeader]: csrfToken } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!response.ok) throw await apiErrorOf(response);
  return response;
}

async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: ApiErrorBody = { code: `http_${response.status}`, message: text || response.statusText, details: [] };
  try {
    const parsed = JSON.parse(text) as { error?: ApiErrorBody };
    if (parsed.error) body = parsed.error;
  } catch {
    // not JSON: keep the text
  }
  return new ApiError(response.status, body);
}

async function json<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await apiFetch(path, init);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const id = encodeURIComponent;

/** Every call the editor makes; nothing else talks to the server. */
export const api = {
  health: () => json<Health>('/api/health'),
  nodeTypes: () => json<NodeTypeInfo[]>('/api/node-types'),
  templates: () => json<Flow[]>('/api/templates'),
  checkSyntax: (type: string, config: Record<string, unknown>) =>
    json<Issues>(`/api/node-types/${id(type)}/check-syntax`, {
      method: 'POST',
      body: { config },
    }),

  /** The streams (tables) a node could read or write, from its config as edited. */
  discover: (body: { type: string; config: Record<string, unknown>; connection?: string; nodeId?: string }) =>
    json<StreamInfo[]>('/api/discover', { method: 'POST', body }),

  listFlows: () => json<SavedFlow[]>('/api/flows'),
  getFlow: (flowId: string) => json<SavedFlow>(`/api/flows/${id(flowId)}`),
  createFlow: (document: Flow) => json<SavedFlow>('/api/flows?draft=true', { method: 'POST', body: document }),
  saveFlow: (flowId: string, document: Flow) =>
    json<SavedFlow>(`/api/flows/${id(flowId)}?draft=true`, { method: 'PUT', body: document }),
  deleteFlow: (flowId: string) => json<void>(`/api/flows/${id(flowId)}`, { method: 'DELETE' }),
  exportFlow: async (flowId: string) => (await apiFetch(`/api/flows/${id(flowId)}/export`)).text(),
  versions: (flowId: string) => json<FlowVersion[]>(`/api/flows/${id(flowId)}/versions`),
  validate: (document: Flow) => json<Issues>('/api/flows/validate', { method: 'POST', body: document }),
  preview: (flowId: string, body: { nodeId: string; port?: string; limit?: number; flow?: Flow }) =>
    json<PreviewResult>(`/api/flows/${id(flowId)}/preview`, { method: 'POST', body }),
  previewUnsaved: (body: { nodeId: string; port?: string; limit?: number; flow: Flow }) =>
    json<PreviewResult>('/api/preview', { method: 'POST', body }),

  startRun: (flowId: string, dryRun: boolean, unsaved?: Flow, fullResync = false) =>
    json<RunId>(`/api/flows/${id(flowId)}/runs`, {
      method: 'POST',
      body: { dryRun, ...(unsaved ? { flow: unsaved } : {}), ...(fullResync ? { fullResync } : {}) },
    }),
  runDocument: (flow: Flow, dryRun: boolean, fullResync = false) =>
    json<RunId>('/api/runs', { method: 'POST', body: { flow, dryRun, ...(fullResync ? { fullResync } : {}) } }),
  listRuns: (flowId: string, limit = 30) => json<RunView[]>(`/api/runs?flowId=${id(flowId)}&limit=${limit}`),
  /** The latest runs of every flow, newest first. */
  recentRuns: (limit = 100) => json<RunView[]>(`/api/runs?limit=${limit}`),
  getRun: (runId: string) => json<RunView>(`/api/runs/${id(runId)}`),
  cancelRun: (runId: string) => json<RunId>(`/api/runs/${id(runId)}/cancel`, { method: 'POST' }),
  resumeRun: (runId: string) => json<RunId>(`/api/runs/${id(runId)}/resume`, { method: 'POST' }),
  runLogs: (runId: string) => json<LogLine[]>(`/api/runs/${id(runId)}/logs`),
  rejected: async (runId: string, limit = 500): Promise<{ rows: RejectedRow[]; more: boolean }> => {
    const text = await (await apiFetch(`/api/runs/${id(runId)}/rejected`)).text();
    return parseNdjson<RejectedRow>(text, limit);
  },

  connectionTypes: () => json<ConnectionType[]>('/api/connection-types'),
  listConnections: () => json<Connection[]>('/api/connections'),
  createConnection: (body: ConnectionInput) => json<Connection>('/api/connections', { method: 'POST', body }),
  updateConnection: (connectionId: string, body: ConnectionInput) =>
    json<Connection>(`/api/connections/${id(connectionId)}`, { method: 'PUT', body }),
  deleteConnection: (connectionId: string) => json<void>(`/api/connections/${id(connectionId)}`, { method: 'DELETE' }),
  testConnection: (connectionId: string) =>
    json<ConnectionTest>(`/api/connections/${id(connectionId)}/test`, { method: 'POST' }),
};

/** Where a run's rejected records download from, streamed by the server (a GET: the session cookie goes along). */
export function rejectedUrl(runId: string, format: 'ndjson' | 'csv'): string {
  return `/api/runs/${id(runId)}/rejected?format=${format}`;
}

/** The first `limit` objects of an NDJSON text, and whether more followed. */
export function parseNdjson<T>(text: string, limit: number): { rows: T[]; more: boolean } {
  const rows: T[] = [];
  let more = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (rows.length === limit) {
      more = true;
      break;
    }
    rows.push(JSON.parse(line) as T);
  }
  return { rows, more };
}
