import { SalesforceError } from './errors.ts';

/**
 * The org's daily API request allocation. Every REST call counts, answers carry
 * `Sforce-Limit-Info: api-usage=<used>/<max>`, and past the allocation calls are refused with
 * 403 REQUEST_LIMIT_EXCEEDED. The count restarts each UTC day (Salesforce's is a rolling 24 hours).
 */
export class DailyLimit {
  used = 0;
  #day = '';

  constructor(readonly max: number) {}

  /** Counts one request; throws REQUEST_LIMIT_EXCEEDED when the allocation is spent. */
  spend(now: Date): void {
    const day = now.toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#day = day;
      this.used = 0;
    }
    if (this.used >= this.max) {
      throw new SalesforceError(
        403,
        'REQUEST_LIMIT_EXCEEDED',
        'TotalRequests Limit exceeded.',
        undefined,
        this.headers(),
      );
    }
    this.used++;
  }

  headers(): Record<string, string> {
    return { 'Sforce-Limit-Info': `api-usage=${this.used}/${this.max}` };
  }

  /** The `DailyApiRequests` entry of `GET /limits`. */
  describe() {
    return { Max: this.max, Remaining: Math.max(0, this.max - this.used) };
  }
}
