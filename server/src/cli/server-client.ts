import { BackflowError } from '../errors.ts';
import type { RunEvent } from '../service/run-service.ts';

/** The HTTP API as the CLI uses it when a server holds the state store. */
export class ServerClient {
  constructor(
    readonly url: string,
    private readonly token = process.env.BACKFLOW_TOKEN,
  ) {}

  async request(method: string, route: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.url}${route}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      const failure = (await response.json().catch(() => undefined)) as
        | { error?: { code: string; message: string; details?: { path: string; message: string }[] } }
        | undefined;
      const error = failure?.error;
      throw new BackflowError(
        error?.code ?? 'server_error',
        `the server at ${this.url} answered: ${error?.message ?? response.status}`,
        {
          ...(error?.details ? { details: error.details } : {}),
        },
      );
    }
    return response;
  }

  async json<T>(method: string, route: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, route, body)).json()) as T;
  }

  /** Follows a run's events until its summary. */
  async followRun(runId: string, onEvent: (event: RunEvent) => void): Promise<void> {
    const response = await this.request('GET', `/api/runs/${encodeURIComponent(runId)}/events`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const data = buffered
          .slice(0, end)
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        buffered = buffered.slice(end + 2);
        if (data) onEvent(JSON.parse(data) as RunEvent);
        end = buffered.indexOf('\n\n');
      }
    }
  }
}
