import PQueue from 'p-queue';

export interface HttpLimits {
  /** Requests started in any rolling window of `intervalMs`; no rate cap when absent. */
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

export function createLimiter(limits: HttpLimits): Limiter {
  const rate = limits.requestsPerInterval !== undefined && limits.intervalMs !== undefined;
  const queue = new PQueue({
    concurrency: limits.concurrency,
    ...(rate ? { intervalCap: limits.requestsPerInterval, interval: limits.intervalMs, strict: true } : {}),
  });
  let pausedUntil = 0;
  let resume: NodeJS.Timeout | undefined;
  return {
    schedule: (task, signal) => queue.add(task, { signal }),
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
