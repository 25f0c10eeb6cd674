import { quotaExceeded } from './errors.ts';

export interface SheetsQuota {
  /** Read requests per user (token) per minute; Google's default is 60. */
  readsPerMinute?: number;
  /** Write requests per user (token) per minute; Google's default is 60. */
  writesPerMinute?: number;
}

export interface QuotaStats {
  /** API requests answered, 429s and injected faults included. */
  requests: number;
  reads: number;
  writes: number;
  /** The most write requests one token had admitted in any rolling minute. */
  maxWritesPerMinute: number;
  /** Answers with status 429 (quota reached and injected bursts). */
  rejected429: number;
}

const minute = 60_000;

/**
 * The Sheets API's per-minute per-user quotas, read and write apart, over a rolling minute; a
 * refused request (429 RESOURCE_EXHAUSTED, with Retry-After) does not count.
 */
export class Quota {
  readonly stats: QuotaStats = { requests: 0, reads: 0, writes: 0, maxWritesPerMinute: 0, rejected429: 0 };
  readonly #windows = new Map<string, number[]>();
  readonly #reads: number;
  readonly #writes: number;

  constructor(quota: SheetsQuota = {}) {
    this.#reads = quota.readsPerMinute ?? 60;
    this.#writes = quota.writesPerMinute ?? 60;
  }

  admit(token: string, write: boolean, now = Date.now()): void {
    const key = `${write ? 'write' : 'read'}:${token}`;
    const window = (this.#windows.get(key) ?? []).filter((at) => at > now - minute);
    this.#windows.set(key, window);
    if (window.length >= (write ? this.#writes : this.#reads)) {
      throw quotaExceeded(write ? 'Write' : 'Read', Math.max(1, Math.ceil((window[0]! + minute - now) / 1000)));
    }
    window.push(now);
    if (write) {
      this.stats.writes++;
      this.stats.maxWritesPerMinute = Math.max(this.stats.maxWritesPerMinute, window.length);
    } else this.stats.reads++;
  }
}
