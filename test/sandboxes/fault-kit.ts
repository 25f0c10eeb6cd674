import { mulberry32 } from './random.ts';

/**
 * The seeded choice behind a fault `errorRate`: same seed, same requests picked. A changed seed,
 * or `restart()`, starts the sequence over (even for the same seed).
 */
export class RatePicker {
  #seed: number | undefined;
  #random: () => number = Math.random;

  /** Whether this request is one of the `rate` share (0..1) picked; draws only when `rate` is above 0. */
  picks(rate: number | undefined, seed = 1): boolean {
    if (!rate || rate <= 0) return false;
    if (seed !== this.#seed) {
      this.#seed = seed;
      this.#random = mulberry32(seed);
    }
    return this.#random() < rate;
  }

  restart(): void {
    this.#seed = undefined;
  }
}

/**
 * Applies a JSON update to live fault options in place (`null` removes a field) once `check`
 * accepts the result, and returns the options now in force.
 */
export function patchFaults<T extends object>(options: T, patch: Record<string, unknown>, check: (next: T) => void): T {
  const next: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  check(next as T);
  for (const key of Object.keys(options)) delete (options as Record<string, unknown>)[key];
  Object.assign(options, next);
  return options;
}

/** The sandbox-independent fault options: which requests fail and how (each sandbox answers in its API's words). */
export interface FaultSchedule {
  /** Share (0..1) of API requests answered with `errorStatus`, picked by a generator seeded with `seed`. */
  errorRate?: number;
  /** Status of those errors; default 503. */
  errorStatus?: 500 | 502 | 503 | 504;
  /** Seed of the generator behind `errorRate` (default 1); posting a seed restarts its sequence. */
  seed?: number;
  /** Every Nth API request starts a burst of 429s with Retry-After. */
  tooManyEvery?: number;
  /** How many consecutive requests a burst refuses; default 1. */
  tooManyBurst?: number;
  /** The Retry-After of injected 429s, in seconds; default 1. */
  retryAfterSeconds?: number;
  /** Every Nth API request has its connection destroyed without an answer. */
  dropEvery?: number;
  /** Every Nth API request is carried out, then its connection destroyed instead of answering (the client cannot know it was done). */
  dropAnswerEvery?: number;
}

/** This request's fault: an error status, a 429 asking to wait, a dropped connection, or none. */
export type ScheduledFault =
  | { kind: 'error'; status: number }
  | { kind: 'tooMany'; retryAfterSeconds: number }
  | { kind: 'drop' }
  | { kind: 'dropAnswer' }
  | undefined;

const scheduleCounters = ['tooManyEvery', 'tooManyBurst', 'retryAfterSeconds', 'dropEvery', 'dropAnswerEvery', 'seed'];

/** The names of the `FaultSchedule` options, for a sandbox's "known:" list. */
export const faultScheduleNames: readonly string[] = ['errorRate', 'errorStatus', ...scheduleCounters];

/** Builds the error for a fault option no one knows (`unknown`) or whose value is out of range. */
export type FaultOptionRefusal = (key: string, value: unknown, problem: 'unknown' | 'invalid') => Error;

const refuseOption: FaultOptionRefusal = (key, value, problem) =>
  new Error(
    problem === 'unknown' ? `Unknown fault option ${key}.` : `Invalid fault option ${key}: ${JSON.stringify(value)}.`,
  );

/**
 * Decides each request's fault from a live `FaultSchedule`, deterministically: the same options
 * and the same request order give the same faults. `extra` validates a sandbox's own options
 * beside the schedule's (true: valid, false: invalid, undefined: unknown); `refuse` builds the
 * error for a refused option in the sandbox's own words.
 */
export class FaultScheduler<T extends FaultSchedule> {
  #requests = 0;
  #burstLeft = 0;
  #errors = new RatePicker();

  constructor(
    readonly options: T,
    private readonly extra: (key: string, value: unknown) => boolean | undefined = () => undefined,
    private readonly refuse: FaultOptionRefusal = refuseOption,
  ) {
    this.#check(options);
  }

  next(): ScheduledFault {
    const n = ++this.#requests;
    const { dropEvery, dropAnswerEvery, tooManyEvery } = this.options;
    if (dropEvery && n % dropEvery === 0) return { kind: 'drop' };
    if (tooManyEvery && n % tooManyEvery === 0) this.#burstLeft = this.options.tooManyBurst ?? 1;
    if (this.#burstLeft > 0) {
      this.#burstLeft--;
      return { kind: 'tooMany', retryAfterSeconds: this.options.retryAfterSeconds ?? 1 };
    }
    if (this.#errors.picks(this.options.errorRate, this.options.seed)) {
      return { kind: 'error', status: this.options.errorStatus ?? 503 };
    }
    return dropAnswerEvery && n % dropAnswerEvery === 0 ? { kind: 'dropAnswer' } : undefined;
  }

  /** Applies a JSON update (`null` removes a field) and returns the options now in force; throws what `refuse` builds when invalid. */
  update(patch: Record<string, unknown>): T {
    patchFaults(this.options, patch, (next) => this.#check(next));
    if ('seed' in patch) this.#errors.restart();
    return this.options;
  }

  #check(options: T): void {
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      const ok =
        key === 'errorRate'
          ? typeof value === 'number' && value >= 0 && value <= 1
          : key === 'errorStatus'
            ? [500, 502, 503, 504].includes(value as number)
            : scheduleCounters.includes(key)
              ? Number.isSafeInteger(value) && (value as number) >= 0
              : this.extra(key, value);
      if (ok === undefined) throw this.refuse(key, value, 'unknown');
      if (!ok) throw this.refuse(key, value, 'invalid');
    }
  }
}
