import { RateLimitError } from './errors.ts';

export interface RateLimits {
  /** Requests per token in any rolling 10 s (HubSpot's private-app burst limit); default 190. */
  perTenSeconds?: number;
  /** Requests per token per UTC day; default 1,000,000. */
  daily?: number;
  /** Search requests per token per second; default 4 (HubSpot documents 4-5). */
  searchPerSecond?: number;
  /**
   * Tokens no limit applies to, left out of the windows and `maxInTenSeconds`: a test's own reader,
   * checking the portal beside a run at full speed, the run held to the limits. None by default.
   */
  unlimitedTokens?: readonly string[];
}

export interface RateStats {
  /** API requests answered, 429s and injected faults included. */
  requests: number;
  /** The most requests one token had admitted in any rolling 10 s window. */
  maxInTenSeconds: number;
  /** Answers with status 429 (limits reached and injected bursts). */
  rejected429: number;
}

interface TokenUsage {
  /** Admission times (ms) within the last 10 s, oldest first. */
  window: number[];
  searchWindow: number[];
  day: string;
  dailyUsed: number;
}

const tenSeconds = 10_000;

/**
 * HubSpot's limits per token: a rolling 10 s window, a daily count (reset at UTC midnight) and a
 * per-second limit on search. A refused request gets HubSpot's 429 body with the `policyName`
 * that refused it; rejected requests do not count against the window.
 */
export class RateLimiter {
  readonly stats: RateStats = { requests: 0, maxInTenSeconds: 0, rejected429: 0 };
  readonly #usage = new Map<string, TokenUsage>();
  readonly #perTenSeconds: number;
  readonly #daily: number;
  readonly #searchPerSecond: number;
  readonly #unlimited: ReadonlySet<string>;

  constructor(limits: RateLimits = {}) {
    this.#unlimited = new Set(limits.unlimitedTokens);
    this.#perTenSeconds = limits.perTenSeconds ?? 190;
    this.#daily = limits.daily ?? 1_000_000;
    this.#searchPerSecond = limits.searchPerSecond ?? 4;
  }

  /** Admits one request of `token` or throws the 429 HubSpot would answer; returns the headers for the answer. */
  admit(token: string, search: boolean, now = Date.now()): Record<string, string> {
    const usage = this.#usageOf(token, now);
    if (this.#unlimited.has(token)) return this.#headers(usage);
    if (usage.dailyUsed >= this.#daily) throw this.#refuse('DAILY', 'You have reached your daily limit.', usage);
    if (usage.window.length >= this.#perTenSeconds) {
      throw this.#refuse('TEN_SECONDLY_ROLLING', 'You have reached your ten_secondly_rolling limit.', usage);
    }
    if (search && usage.searchWindow.length >= this.#searchPerSecond) {
      throw this.#refuse('SECONDLY', 'You have reached your secondly limit.', usage);
    }
    usage.window.push(now);
    if (search) usage.searchWindow.push(now);
    usage.dailyUsed++;
    this.stats.maxInTenSeconds = Math.max(this.stats.maxInTenSeconds, usage.window.length);
    return this.#headers(usage);
  }

  /** The headers of an answer that was not admitted through `admit` (auth failures, faults). */
  headersFor(token: string, now = Date.now()): Record<string, string> {
    return this.#headers(this.#usageOf(token, now));
  }

  #usageOf(token: string, now: number): TokenUsage {
    const day = new Date(now).toISOString().slice(0, 10);
    const usage = this.#usage.get(token) ?? { window: [], searchWindow: [], day, dailyUsed: 0 };
    this.#usage.set(token, usage);
    if (usage.day !== day) Object.assign(usage, { day, dailyUsed: 0 });
    while (usage.window.length > 0 && (usage.window[0] as number) <= now - tenSeconds) usage.window.shift();
    while (usage.searchWindow.length > 0 && (usage.searchWindow[0] as number) <= now - 1000) usage.searchWindow.shift();
    return usage;
  }

  #refuse(policy: 'DAILY' | 'TEN_SECONDLY_ROLLING' | 'SECONDLY', message: string, usage: TokenUsage): RateLimitError {
    return new RateLimitError(policy, message, this.#headers(usage));
  }

  #headers(usage: TokenUsage): Record<string, string> {
    return {
      'X-HubSpot-RateLimit-Daily': String(this.#daily),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, this.#daily - usage.dailyUsed)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(tenSeconds),
      'X-HubSpot-RateLimit-Max': String(this.#perTenSeconds),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, this.#perTenSeconds - usage.window.length)),
    };
  }
}
