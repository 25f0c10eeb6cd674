import PQueue from 'p-queue';

export interface HttpLimits {
  /** Requests in any rolling window of `intervalMs`; no rate cap when absent. */
  requestsPerInterval?: number;
  intervalMs?: number;
  /** Requests in flight at once. */
  concurrency: number;
}

/** One API's budget: a rolling window and a concurrency cap, paused for everyone when the API answers 429. */
export interface Limiter {
  /** Runs `task` when the budget allows; a signal aborted while it waits rejects at once with the signal's reason. */
  schedule<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Starts nothing for `ms` (from now), unless an earlier pause already lasts longer. */
  pauseFor(ms: number): void;
}

const limiters = new Map<string, Limiter>();

/**
 * The limiter of the API `key` names (base URL and credential): clients that share a key share the
 * budget. The first client's `limits` set it; later ones join it as it is.
 */
export function sharedLimiter(key: string, limits: HttpLimits): Limiter {
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = createLimiter(limits);
    limiters.set(key, limiter);
  }
  return limiter;
}

/**
 * p-queue caps the requests in flight (and lets a cancelled one leave the queue); the rolling window
 * counts each request from its start until `intervalMs` after it ended. Counting from the start
 * alone is not enough: the API counts a request when it handles it, which may be later than it was
 * sent (a slow connect, a busy server), so two requests sent a window apart could land in one of
 * the API's windows. The API handles a request between its start and its end, so requests `cap`
 * apart are handled at least a window apart whatever the delays.
 */
export function createLimiter(limits: HttpLimits): Limiter {
  const queue = new PQueue({ concurrency: limits.concurrency });
  const window =
    limits.requestsPerInterval !== undefined && limits.intervalMs !== undefined
      ? new RollingWindow(limits.requestsPerInterval, limits.intervalMs)
      : undefined;
  let pausedUntil = 0;
  let resume: NodeJS.Timeout | undefined;
  return {
    schedule: (task, signal) =>
      queue.add(
        async () => {
          if (!window) return task();
          await window.enter(() => pausedUntil, signal);
          try {
            return await task();
          } finally {
            window.leave();
          }
        },
        { signal },
      ),
    pauseFor(ms) {
      const until = Date.now() + ms;
      if (ms <= 0 || until <= pausedUntil) return;
      pausedUntil = until;
      queue.pause();
      clearTimeout(resume);
      resume = setTimeout(() => {
        pausedUntil = 0;
        queue.start();
      }, ms);
    },
  };
}

/** At most `cap` requests in flight or ended within the last `intervalMs`. */
class RollingWindow {
  #inFlight = 0;
  /** End times, oldest first. */
  #ended: number[] = [];
  #wake: (() => void)[] = [];

  constructor(
    private readonly cap: number,
    private readonly intervalMs: number,
  ) {}

  /** Resolves once a request may start (and counts it), not before `notBefore()`. */
  async enter(notBefore: () => number, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      while (this.#ended.length > 0 && this.#ended[0]! <= now - this.intervalMs) this.#ended.shift();
      const paused = notBefore() - now;
      if (paused <= 0 && this.#inFlight + this.#ended.length < this.cap) {
        this.#inFlight++;
        return;
      }
      // Wait for the pause to end, the oldest end to age out, or a request in flight to end.
      const waitMs = paused > 0 ? paused : this.#ended.length > 0 ? this.#ended[0]! + this.intervalMs - now : undefined;
      await this.#sleep(waitMs, signal);
    }
  }

  leave(): void {
    this.#inFlight--;
    this.#ended.push(Date.now());
    for (const wake of [...this.#wake]) wake();
  }

  #sleep(ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#wake = this.#wake.filter((wake) => wake !== done);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, Math.max(1, ms));
      this.#wake.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
