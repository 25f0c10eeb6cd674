import { patchFaults, RatePicker } from '../fault-kit.ts';
import { type RecordError, recordError, SalesforceError } from './errors.ts';

/**
 * Failures the sandbox injects, all deterministic so tests do not flake. The object is live:
 * change its fields, or POST JSON to `/__sandbox/faults`, while the sandbox runs. Faults apply to
 * `/services/data/...` calls only, never to the token endpoint or `/__sandbox/*`.
 */
export interface SalesforceFaults {
  /** Share (0..1) of API requests answered with `errorStatus`, picked by a seeded generator. */
  errorRate?: number;
  /** Every Nth API request is answered with `errorStatus`. */
  errorEvery?: number;
  /** Status of an injected error: 503 (SERVER_UNAVAILABLE) by default, or 500 / 502. */
  errorStatus?: 500 | 502 | 503;
  /** Seed of `errorRate`'s generator (default 1); setting it restarts the sequence. */
  seed?: number;
  /** After `afterRequests` API requests, the next `count` are answered 429 with `Retry-After`. */
  rateLimitBurst?: { afterRequests: number; count: number; retryAfterSeconds?: number };
  /** Every Nth API request has its connection dropped without an answer. */
  dropEvery?: number;
  /**
   * Records with a text value containing this marker are refused, in every write API, with
   * FIELD_CUSTOM_VALIDATION_EXCEPTION (as a validation rule of the org would).
   */
  rejectRecordsContaining?: string;
}

export type FaultDecision = { kind: 'error'; error: SalesforceError } | { kind: 'drop' } | undefined;

const errorCodes: Record<number, [string, string]> = {
  500: ['UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support.'],
  502: ['SERVER_UNAVAILABLE', 'Bad gateway (injected by the sandbox).'],
  503: ['SERVER_UNAVAILABLE', 'Server temporarily unavailable (injected by the sandbox).'],
};

const known = new Set([
  'errorRate',
  'errorEvery',
  'errorStatus',
  'seed',
  'rateLimitBurst',
  'dropEvery',
  'rejectRecordsContaining',
]);

export class FaultInjector {
  /** API requests seen, the burst's starting point. */
  #requests = 0;
  #burstLeft: number | undefined;
  #errors = new RatePicker();
  faulted = 0;

  constructor(readonly options: SalesforceFaults) {
    checkFaults(options);
  }

  /** What to do with this API request instead of answering it, if anything. */
  decide(): FaultDecision {
    const n = ++this.#requests;
    const { options } = this;
    const burst = options.rateLimitBurst;
    if (burst && n > burst.afterRequests) {
      this.#burstLeft ??= burst.count;
      if (this.#burstLeft > 0) {
        this.#burstLeft--;
        this.faulted++;
        const seconds = String(burst.retryAfterSeconds ?? 0);
        return {
          kind: 'error',
          error: new SalesforceError(
            429,
            'REQUEST_LIMIT_EXCEEDED',
            'Too many requests (injected by the sandbox).',
            undefined,
            {
              'Retry-After': seconds,
            },
          ),
        };
      }
    }
    if (options.dropEvery && n % options.dropEvery === 0) {
      this.faulted++;
      return { kind: 'drop' };
    }
    if (this.#picked(n)) {
      this.faulted++;
      const status = options.errorStatus ?? 503;
      const [code, message] = errorCodes[status] as [string, string];
      return { kind: 'error', error: new SalesforceError(status, code, message) };
    }
    return undefined;
  }

  #picked(n: number): boolean {
    const { errorEvery, errorRate } = this.options;
    if (errorEvery && n % errorEvery === 0) return true;
    return this.#errors.picks(errorRate, this.options.seed);
  }

  /** The validation error for a record carrying the `rejectRecordsContaining` marker. */
  checkRecord(record: Record<string, unknown>): RecordError | undefined {
    const marker = this.options.rejectRecordsContaining;
    if (!marker) return undefined;
    const field = Object.keys(record).find(
      (key) => typeof record[key] === 'string' && (record[key] as string).includes(marker),
    );
    if (!field) return undefined;
    return recordError('FIELD_CUSTOM_VALIDATION_EXCEPTION', `The sandbox refuses values containing ${marker}`, [field]);
  }

  /** Applies a JSON update (`null` removes a field); a new burst or seed starts over. */
  update(patch: Record<string, unknown>): SalesforceFaults {
    patchFaults(this.options, patch, checkFaults);
    if ('seed' in patch) this.#errors.restart();
    if ('rateLimitBurst' in patch) {
      this.#burstLeft = undefined;
      this.#requests = 0;
    }
    return this.options;
  }
}

function checkFaults(options: SalesforceFaults): void {
  const fail = (key: string, value: unknown) =>
    new SalesforceError(400, 'INVALID_FAULTS', `Invalid fault option ${key}: ${JSON.stringify(value)}.`);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!known.has(key)) {
      throw new SalesforceError(400, 'INVALID_FAULTS', `Unknown fault option ${key}; known: ${[...known].join(', ')}.`);
    }
    if (key === 'errorRate' && !(typeof value === 'number' && value >= 0 && value <= 1)) throw fail(key, value);
    if (key === 'errorStatus' && ![500, 502, 503].includes(value as number)) throw fail(key, value);
    if (
      (key === 'errorEvery' || key === 'dropEvery' || key === 'seed') &&
      !(Number.isSafeInteger(value) && (value as number) >= 0)
    ) {
      throw fail(key, value);
    }
    if (key === 'rejectRecordsContaining' && !(typeof value === 'string' && value !== '')) throw fail(key, value);
    if (key === 'rateLimitBurst') {
      const burst = value as SalesforceFaults['rateLimitBurst'];
      if (!burst || !Number.isSafeInteger(burst.afterRequests) || !Number.isSafeInteger(burst.count))
        throw fail(key, value);
    }
  }
}
