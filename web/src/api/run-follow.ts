/**
 * Follows a run to its end even when the live event stream drops: an end or error before the
 * `summary` polls `GET /api/runs/:id` for the counts so far, then reconnects to the events after a
 * short backoff (1 s, 2 s, 4 s, … at most 10 s) until the run reaches a final status. Pure: the
 * stream, the fetch and the timers are passed in (session.ts passes followRun, api.getRun, setTimeout).
 */
import type { RunEvent, RunStatus, RunView } from './types.ts';

export const finalStatuses: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

export const isFinal = (status: RunStatus) => finalStatuses.has(status);

/** The wait before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s, 8 s, then 10 s. */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 10_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

export interface StreamHandlers {
  onEvent(event: RunEvent): void;
  onEnd(error?: unknown): void;
}

export interface FollowDeps {
  /** Opens the live event stream (followRun); returns a function that closes it. */
  stream(runId: string, handlers: StreamHandlers): () => void;
  getRun(runId: string): Promise<RunView>;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

export interface ResilientHandlers {
  onEvent(event: RunEvent): void;
  /** The stored run, polled while the stream is down (the same counts as `stats` events). */
  onPoll?(view: RunView): void;
  /** The stream dropped: reconnect attempt `attempt` (1-based) follows in `delayMs`. */
  onReconnecting?(attempt: number, delayMs: number): void;
  /** Events flow again after a reconnect. */
  onReconnected?(): void;
  /** The run ended (its stored view when it could be read), or following it was given up. */
  onEnd(view: RunView | undefined, error?: unknown): void;
}

/** An answer that retrying cannot change (the run does not exist, or access is refused). */
function isPermanent(error: unknown): boolean {
  const status = (error as { status?: unknown } | undefined)?.status;
  return status === 404 || status === 401 || status === 403;
}

/** Follows `runId` until it ends; returns a function that stops following. */
export function followRunResilient(runId: string, handlers: ResilientHandlers, deps: FollowDeps): () => void {
  let stopped = false;
  let closeStream: (() => void) | undefined;
  let timer: unknown;
  let attempt = 0;
  let reconnecting = false;

  const finish = (view: RunView | undefined, error?: unknown) => {
    if (stopped) return;
    stopped = true;
    handlers.onEnd(view, error);
  };

  const connect = () => {
    if (stopped) return;
    let summary = false;
    closeStream = deps.stream(runId, {
      onEvent: (event) => {
        if (stopped) return;
        if (reconnecting) {
          reconnecting = false;
          attempt = 0;
          handlers.onReconnected?.();
        }
        if (event.type === 'summary') summary = true;
        handlers.onEvent(event);
      },
      onEnd: () => {
        closeStream = undefined;
        if (stopped) return;
        if (summary) void settle();
        else void recover();
      },
    });
  };

  /** After the summary: the stored run has the final counts and error. */
  const settle = async () => {
    try {
      finish(await deps.getRun(runId));
    } catch {
      finish(undefined);
    }
  };

  /** The stream ended early: read the stored run, stop if it is over, else reconnect after a backoff. */
  const recover = async () => {
    try {
      const view = await deps.getRun(runId);
      if (stopped) return;
      if (isFinal(view.status)) {
        finish(view);
        return;
      }
      handlers.onPoll?.(view);
    } catch (error) {
      if (stopped) return;
      if (isPermanent(error)) {
        finish(undefined, error);
        return;
      }
    }
    const delay = backoffMs(attempt);
    attempt++;
    reconnecting = true;
    handlers.onReconnecting?.(attempt, delay);
    timer = deps.setTimer(() => {
      timer = undefined;
      connect();
    }, delay);
  };

  connect();
  return () => {
    stopped = true;
    closeStream?.();
    closeStream = undefined;
    if (timer !== undefined) deps.clearTimer(timer);
  };
}
