import type {
  ApiErrorBody,
  Connection,
  ConnectionType,
  Flow,
  Issue,
  LogLine,
  NodeTypeInfo,
  PreviewResult,
  RejectedRow,
  RunView,
  SavedFlow,
} from './types.ts';

const tokenKey = 'backflow.token';

/** The bearer token for servers started with BACKFLOW_TOKEN, kept in this browser only. */
export function apiToken(): string | undefined {
  try {
    return globalThis.localStorage?.getItem(tokenKey) || undefined;
  } catch {
    return undefined;
  }
}

export function setApiToken(token: string | undefined): void {
  if (token) localStorage.setItem(tokenKey, token);
  else localStorage.removeItem(tokenKey);
}

/** An API answer other than 2xx, with the server's `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: { path: string; message: string }[];
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
    const details = error.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
    // The message often repeats the details after a colon; keep the part before it when details follow.
    const message = details.length > 0 && error.message.includes(': ') ? error.message.split(': ')[0]! : error.message;
    return { message, details };
  }
  if (error instanceof TypeError) return { message: `the server could not be reached (${error.message})`, details: [] };
  return { message: error instanceof Error ? error.message : String(error), details: [] };
}

function headers(json: boolean): Record<string, string> {
  const token = apiToken();
  return {
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** A fetch of `/api/…` that throws an `ApiError` for any answer other than 2xx. */
export async function apiFetch(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    ...(init.signal ? { signal: init.signal } : {}),
    headers: headers(init.body !== undefined),
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!response.ok) {
    const text = await response.text();
    let body: ApiErrorBody = { code: `http_${response.status}`, message: text || response.statusText, details: [] };
    try {
      const parsed = JSON.parse(text) as { error?: ApiErrorBody };
      if (parsed.error) body = parsed.error;
    } catch {
      // not JSON: keep the text
    }
    throw new ApiError(response.status, body);
  }
  return response;
}

async function json<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await apiFetch(path, init);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const id = encodeURIComponent;

/** Every call the editor makes; nothing else talks to the server. */
export const api = {
  health: () => json<{ status: 'ok'; version: string }>('/api/health'),
  nodeTypes: () => json<NodeTypeInfo[]>('/api/node-types'),
  templates: () => json<Flow[]>('/api/templates'),

  listFlows: () => json<SavedFlow[]>('/api/flows'),
  getFlow: (flowId: string) => json<SavedFlow>(`/api/flows/${id(flowId)}`),
  createFlow: (document: Flow) => json<SavedFlow>('/api/flows?draft=true', { method: 'POST', body: document }),
  saveFlow: (flowId: string, document: Flow) =>
    json<SavedFlow>(`/api/flows/${id(flowId)}?draft=true`, { method: 'PUT', body: document }),
  deleteFlow: (flowId: string) => json<void>(`/api/flows/${id(flowId)}`, { method: 'DELETE' }),
  exportFlow: async (flowId: string) => (await apiFetch(`/api/flows/${id(flowId)}/export`)).text(),
  versions: (flowId: string) =>
    json<{ version: number; savedAt: string; document: Flow }[]>(`/api/flows/${id(flowId)}/versions`),
  validate: (document: Flow) =>
    json<{ valid: boolean; issues: Issue[] }>('/api/flows/validate', { method: 'POST', body: document }),
  preview: (flowId: string, body: { nodeId: string; port?: string; limit?: number; flow?: Flow }) =>
    json<PreviewResult>(`/api/flows/${id(flowId)}/preview`, { method: 'POST', body }),
  previewUnsaved: (body: { nodeId: string; port?: string; limit?: number; flow: Flow }) =>
    json<PreviewResult>('/api/preview', { method: 'POST', body }),

  startRun: (flowId: string, dryRun: boolean) =>
    json<{ runId: string }>(`/api/flows/${id(flowId)}/runs`, { method: 'POST', body: { dryRun } }),
  listRuns: (flowId: string, limit = 30) => json<RunView[]>(`/api/runs?flowId=${id(flowId)}&limit=${limit}`),
  getRun: (runId: string) => json<RunView>(`/api/runs/${id(runId)}`),
  cancelRun: (runId: string) => json<{ runId: string }>(`/api/runs/${id(runId)}/cancel`, { method: 'POST' }),
  resumeRun: (runId: string) => json<{ runId: string }>(`/api/runs/${id(runId)}/resume`, { method: 'POST' }),
  runLogs: (runId: string) => json<LogLine[]>(`/api/runs/${id(runId)}/logs`),
  rejected: async (runId: string, limit = 500): Promise<{ rows: RejectedRow[]; more: boolean }> => {
    const text = await (await apiFetch(`/api/runs/${id(runId)}/rejected`)).text();
    return parseNdjson<RejectedRow>(text, limit);
  },

  connectionTypes: () => json<ConnectionType[]>('/api/connection-types'),
  listConnections: () => json<Connection[]>('/api/connections'),
  createConnection: (body: { name: string; type: string; config: Record<string, unknown> }) =>
    json<Connection>('/api/connections', { method: 'POST', body }),
  updateConnection: (connectionId: string, body: { name: string; type: string; config: Record<string, unknown> }) =>
    json<Connection>(`/api/connections/${id(connectionId)}`, { method: 'PUT', body }),
  deleteConnection: (connectionId: string) => json<void>(`/api/connections/${id(connectionId)}`, { method: 'DELETE' }),
  testConnection: (connectionId: string) =>
    json<{ ok: true; durationMs: number }>(`/api/connections/${id(connectionId)}/test`, { method: 'POST' }),
};

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
