import { patchFaults, RatePicker } from '../fault-kit.ts';
import { invalidArguments, rateLimited, SlackError } from './errors.ts';

/**
 * Failures the sandbox injects, all deterministic: the same options and the same request order give
 * the same faults. Live: change it (or POST JSON to `/__sandbox/faults`) while the sandbox runs.
 * Faults apply to Web API calls and incoming webhooks, never to `/__sandbox/*`, and come before the
 * rate limits.
 */
export interface SlackFaults {
  /** Share (0..1) of requests answered with `errorStatus`, picked by a generator seeded with `seed`. */
  errorRate?: number;
  /** Status of those errors; default 503. */
  errorStatus?: 500 | 502 | 503 | 504;
  /** Seed of the generator behind `errorRate` (default 1); posting a seed restarts its sequence. */
  seed?: number;
  /** Every Nth request starts a burst of 429 `ratelimited` answers with `Retry-After`. */
  tooManyEvery?: number;
  /** How many consecutive requests a burst refuses; default 1. */
  tooManyBurst?: number;
  /** The Retry-After of injected 429s, in seconds; default 1. */
  retryAfterSeconds?: number;
  /** Every Nth request has its connection destroyed without an answer. */
  dropEvery?: number;
}

export type FaultAction = { kind: 'answer'; error: SlackError } | { kind: 'drop' } | undefined;

export class FaultInjector {
  #requests = 0;
  #burstLeft = 0;
  #errors = new RatePicker();

  constructor(readonly options: SlackFaults) {
    checkFaults(options);
  }

  /** Decides this request's fault, if any. */
  next(): FaultAction {
    const n = ++this.#requests;
    const { dropEvery, tooManyEvery } = this.options;
    if (dropEvery && n % dropEvery === 0) return { kind: 'drop' };
    if (tooManyEvery && n % tooManyEvery === 0) this.#burstLeft = this.options.tooManyBurst ?? 1;
    if (this.#burstLeft > 0) {
      this.#burstLeft--;
      return { kind: 'answer', error: rateLimited(this.options.retryAfterSeconds ?? 1) };
    }
    if (!this.#errors.picks(this.options.errorRate, this.options.seed)) return undefined;
    const status = this.options.errorStatus ?? 503;
    return { kind: 'answer', error: new SlackError(status === 503 ? 'service_unavailable' : 'internal_error', status) };
  }

  /** Applies a JSON update (`null` removes a field) and returns the faults now in force. */
  update(patch: Record<string, unknown>): SlackFaults {
    patchFaults(this.options, patch, checkFaults);
    if ('seed' in patch) this.#errors.restart();
    return this.options;
  }
}

const counters = new Set(['tooManyEvery', 'tooManyBurst', 'retryAfterSeconds', 'dropEvery', 'seed']);

function checkFaults(options: SlackFaults): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const ok =
      key === 'errorRate'
        ? typeof value === 'number' && value >= 0 && value <= 1
        : key === 'errorStatus'
          ? [500, 502, 503, 504].includes(value as number)
          : counters.has(key)
            ? Number.isSafeInteger(value) && (value as number) >= 0
            : undefined;
    if (ok === undefined)
      throw invalidArguments(`unknown fault option ${key}; known: errorRate, errorStatus, ${[...counters].join(', ')}`);
    if (!ok) throw invalidArguments(`invalid fault option ${key}: ${JSON.stringify(value)}`);
  }
}
