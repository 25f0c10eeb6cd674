import { apiFetch } from './client.ts';
import type { RunEvent } from './types.ts';

const eventTypes = ['status', 'stats', 'log', 'summary'] as const;

/**
 * An incremental Server-Sent Events parser: feed it text as it arrives, it calls back once per
 * complete event (`event:` + `data:` lines ended by a blank line).
 */
export function createSseParser(onEvent: (event: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      if (end < 0) return;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1);
      if (line === '') {
        if (data.length > 0) onEvent(event, data.join('\n'));
        event = 'message';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  };
}

/**
 * Follows a run's live events (`GET /api/runs/:id/events`) until its `summary`: EventSource (it
 * carries the session cookie), or a streamed fetch where there is none.
 * Returns a function that stops listening.
 */
export function followRun(
  runId: string,
  handlers: { onEvent(event: RunEvent): void; onEnd(error?: unknown): void },
): () => void {
  const url = `/api/runs/${encodeURIComponent(runId)}/events`;
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    handlers.onEnd(error);
  };
  const deliver = (type: string, data: string) => {
    if (ended) return;
    const event = JSON.parse(data) as RunEvent;
    handlers.onEvent(event);
    if (type === 'summary') end();
  };

  if (typeof EventSource !== 'undefined') {
    const source = new EventSource(url);
    for (const type of eventTypes)
      source.addEventListener(type, (message) => {
        // Closed at the summary: EventSource would otherwise reconnect when the server ends the stream.
        if (type === 'summary') source.close();
        deliver(type, message.data);
      });
    // The server closes the stream after `summary`; an error before it is a lost connection.
    source.onerror = () => {
      source.close();
      end(ended ? undefined : new Error('the live event stream was interrupted'));
    };
    return () => {
      ended = true;
      source.close();
    };
  }

  const abort = new AbortController();
  void (async () => {
    try {
      const response = await apiFetch(url, { signal: abort.signal });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const feed = createSseParser(deliver);
      for (;;) {
        const { value, done } = await reader.read();
        if (done || abort.signal.aborted) break;
        feed(value);
      }
      end();
    } catch (error) {
      end(abort.signal.aborted ? undefined : error);
    }
  })();
  return () => {
    ended = true;
    abort.abort();
  };
}
