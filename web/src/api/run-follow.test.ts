import { describe, expect, it } from 'vitest';
import { backoffMs, type FollowDeps, followRunResilient, type StreamHandlers } from './run-follow.ts';
import type { RunEvent, RunStatus, RunView } from './types.ts';

const view = (status: RunStatus, read = 0): RunView => ({
  runId: 'r1',
  flow: 'orders',
  status,
  dryRun: false,
  startedAt: '2026-01-01T00:00:00Z',
  nodes: { src: { read, written: 0, rejected: 0, filtered: 0 } },
  edges: [],
});

const stats = (read: number): RunEvent => ({
  type: 'stats',
  runId: 'r1',
  at: '2026-01-01T00:00:01Z',
  nodes: { src: { read, written: 0, rejected: 0, filtered: 0 } },
  edges: [],
});
const summary: RunEvent = {
  type: 'summary',
  runId: 'r1',
  summary: { runId: 'r1', flow: 'orders', status: 'succeeded', dryRun: false, startedAt: '', nodes: {}, edges: [] },
};

/** Streams, answers and timers under the test's control. */
function harness(answers: (RunView | Error)[]) {
  const streams: { handlers: StreamHandlers; closed: boolean }[] = [];
  const timers: { callback: () => void; ms: number; cleared: boolean }[] = [];
  const log: string[] = [];
  const deps: FollowDeps = {
    stream: (_runId, handlers) => {
      const stream = { handlers, closed: false };
      streams.push(stream);
      log.push('connect');
      return () => {
        stream.closed = true;
      };
    },
    getRun: async () => {
      const next = answers.shift();
      if (!next) throw new Error('no answer left');
      if (next instanceof Error) throw next;
      log.push(`poll ${next.status}`);
      return next;
    },
    setTimer: (callback, ms) => {
      const timer = { callback, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => {
      (timer as { cleared: boolean }).cleared = true;
    },
  };
  const ended: { view: RunView | undefined; error: unknown }[] = [];
  const stop = followRunResilient(
    'r1',
    {
      onEvent: (event) => log.push(`event ${event.type}`),
      onPoll: (polled) => log.push(`counts ${polled.nodes.src?.read}`),
      onReconnecting: (attempt, ms) => log.push(`reconnecting ${attempt} in ${ms}`),
      onReconnected: () => log.push('reconnected'),
      onEnd: (ended_, error) => ended.push({ view: ended_, error }),
    },
    deps,
  );
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  const fire = async () => {
    const timer = timers.at(-1)!;
    timer.callback();
    await flush();
  };
  return { streams, timers, log, ended, stop, flush, fire };
}

describe('backoffMs', () => {
  it('doubles from 1 s up to 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 20].map((attempt) => backoffMs(attempt))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });
});

describe('followRunResilient', () => {
  it('ends with the stored run after a summary, without reconnecting', async () => {
    const h = harness([view('succeeded', 5)]);
    h.streams[0]!.handlers.onEvent(stats(5));
    h.streams[0]!.handlers.onEvent(summary);
    h.streams[0]!.handlers.onEnd();
    await h.flush();
    expect(h.log).toEqual(['connect', 'event stats', 'event summary', 'poll succeeded']);
    expect(h.ended).toEqual([{ view: view('succeeded', 5), error: undefined }]);
    expect(h.timers).toEqual([]);
  });

  it('polls and reconnects with a growing backoff while the run is active, until it reaches a final status', async () => {
    const h = harness([view('running', 10), view('running', 20), view('running', 30), view('failed', 40)]);
    h.streams[0]!.handlers.onEnd(new Error('interrupted'));
    await h.flush();
    expect(h.timers.map((t) => t.ms)).toEqual([1000]);
    await h.fire();
    h.streams[1]!.handlers.onEnd(); // ends cleanly but without a summary: still a drop
    await h.flush();
    await h.fire();
    h.streams[2]!.handlers.onEnd(new Error('again'));
    await h.flush();
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000, 4000]);
    await h.fire();
    h.streams[3]!.handlers.onEnd(new Error('and again'));
    await h.flush();
    expect(h.log).toEqual([
      'connect',
      'poll running',
      'counts 10',
      'reconnecting 1 in 1000',
      'connect',
      'poll running',
      'counts 20',
      'reconnecting 2 in 2000',
      'connect',
      'poll running',
      'counts 30',
      'reconnecting 3 in 4000',
      'connect',
      'poll failed',
    ]);
    expect(h.ended).toEqual([{ view: view('failed', 40), error: undefined }]);
    expect(h.timers).toHaveLength(3);
  });

  it('says when events flow again and starts the backoff over', async () => {
    const h = harness([view('running'), view('running')]);
    h.streams[0]!.handlers.onEnd(new Error('dropped'));
    await h.flush();
    await h.fire();
    h.streams[1]!.handlers.onEvent(stats(7));
    h.streams[1]!.handlers.onEnd(new Error('dropped'));
    await h.flush();
    expect(h.log.slice(4)).toEqual([
      'connect',
      'reconnected',
      'event stats',
      'poll running',
      'counts 0',
      'reconnecting 1 in 1000',
    ]);
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 1000]);
  });

  it('keeps retrying when the server cannot be reached, and gives up on a missing run', async () => {
    const missing = Object.assign(new Error('not found'), { status: 404 });
    const h = harness([new TypeError('failed to fetch'), missing]);
    h.streams[0]!.handlers.onEnd(new Error('dropped'));
    await h.flush();
    expect(h.log).toEqual(['connect', 'reconnecting 1 in 1000']);
    await h.fire();
    h.streams[1]!.handlers.onEnd(new Error('dropped'));
    await h.flush();
    expect(h.ended).toEqual([{ view: undefined, error: missing }]);
    expect(h.timers).toHaveLength(1);
  });

  it('stops: closes the stream, clears a pending reconnect and reports nothing more', async () => {
    const h = harness([view('running')]);
    h.streams[0]!.handlers.onEnd(new Error('dropped'));
    await h.flush();
    h.stop();
    expect(h.timers[0]!.cleared).toBe(true);
    const live = harness([]);
    live.stop();
    expect(live.streams[0]!.closed).toBe(true);
    live.streams[0]!.handlers.onEvent(stats(1));
    live.streams[0]!.handlers.onEnd();
    await live.flush();
    expect(live.log).toEqual(['connect']);
    expect(live.ended).toEqual([]);
  });
});
