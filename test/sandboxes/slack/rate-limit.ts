import { rateLimited } from './errors.ts';

export interface SlackLimits {
  /** Messages per channel in any rolling second (chat.postMessage and incoming webhooks); Slack's 1 by default. */
  postsPerChannelPerSecond?: number;
  /** Calls per token per minute for the other methods, by method; Slack's tiers by default. */
  perMinute?: Record<string, number>;
}

export interface SlackStats {
  /** Web API calls and webhook posts answered, 429s and injected faults included. */
  requests: number;
  /** Messages posted. */
  posted: number;
  /** Answers with status 429 (limits reached and injected bursts). */
  rejected429: number;
  /** The most messages one channel took in any rolling second. */
  maxPostsPerChannelPerSecond: number;
}

/** Slack's documented tiers (calls per minute): Tier 2 = 20, Tier 3 = 50, Tier 4 = 100. */
const tiers: Record<string, number> = {
  'auth.test': 100,
  'users.info': 100,
  'conversations.list': 20,
  'conversations.history': 50,
  'conversations.open': 50,
};

/**
 * Slack's limits: 1 message a second per channel for posting (a 429 past it; Slack tolerates short
 * bursts, the sandbox does not, so a client that paces itself is proven to), and a rolling minute
 * per token and method for the rest. Refused calls do not count.
 */
export class RateLimiter {
  readonly stats: SlackStats = { requests: 0, posted: 0, rejected429: 0, maxPostsPerChannelPerSecond: 0 };
  readonly #posts = new Map<string, number[]>();
  readonly #calls = new Map<string, number[]>();
  readonly #postsPerSecond: number;
  readonly #perMinute: Record<string, number>;

  constructor(limits: SlackLimits = {}) {
    this.#postsPerSecond = limits.postsPerChannelPerSecond ?? 1;
    this.#perMinute = { ...tiers, ...limits.perMinute };
  }

  /** Admits one message to `channel` or throws the 429. */
  admitPost(channel: string, now = Date.now()): void {
    const window = admit(this.#posts, channel, now, 1000, this.#postsPerSecond);
    this.stats.maxPostsPerChannelPerSecond = Math.max(this.stats.maxPostsPerChannelPerSecond, window);
  }

  /** Admits one call of `method` by `token` (methods without a tier pass) or throws the 429. */
  admitCall(method: string, token: string, now = Date.now()): void {
    const limit = this.#perMinute[method];
    if (limit !== undefined) admit(this.#calls, `${token} ${method}`, now, 60_000, limit);
  }
}

/** Counts a call in `key`'s rolling window of `intervalMs`, or throws the 429 with the wait until a slot frees. */
function admit(windows: Map<string, number[]>, key: string, now: number, intervalMs: number, limit: number): number {
  const window = windows.get(key) ?? [];
  windows.set(key, window);
  while (window.length > 0 && window[0]! <= now - intervalMs) window.shift();
  if (window.length >= limit) throw rateLimited(Math.max(1, Math.ceil((window[0]! + intervalMs - now) / 1000)));
  window.push(now);
  return window.length;
}
