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
