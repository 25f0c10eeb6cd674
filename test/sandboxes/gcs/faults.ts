import { patchFaults, RatePicker } from '../fault-kit.ts';
import { GcsError, invalid } from './errors.ts';

/**
 * Failures the sandbox injects. The object is live: change its fields (or POST JSON to
 * `/_sandbox/faults`) while the sandbox runs. Faults never apply to `/_sandbox/*`.
 */
export interface FaultOptions {
  /** Share (0..1) of API requests answered with `errorStatus` instead of being served. */
  errorRate?: number;
  /** Status of an injected error: 503 by default; 429 is sent with `Retry-After: 0`. */
  errorStatus?: 429 | 500 | 502 | 503 | 504;
  /**
   * Seed of the generator that picks the failed requests (default 1): same seed, same request
   * order, same faults. A changed seed, or any seed posted to `/_sandbox/faults`, restarts the sequence.
   */
  seed?: number;
  /**
   * Drops the connection of a resumable upload request once it has received this many bytes,
   * keeping what was received up to the last 256 KiB boundary of the object (what GCS persists).
   */
  cutUploadAfterBytes?: number;
  /** Disarms `cutUploadAfterBytes` (sets it to undefined) after its first cut. Default true. */
  cutOnce?: boolean;
  /**
   * Holds every upload request (under `/upload/`) of an object whose name contains this text: it is
   * never answered, as over a stalled network, until the client goes away. A test keeps a backup
   * mid-run this way, so killing it does not race the backup's end.
   */
  holdUploadsOf?: string;
}

export interface FaultStats {
  /** API requests received (not counting `/_sandbox/*`). */
  requests: number;
  /** Requests answered with an injected error or cut. */
  faulted: number;
}

const errorStatuses = [429, 500, 502, 503, 504];

/** Decides, request by request, which faults the live `options` call for. */
export class FaultInjector {
  readonly stats: FaultStats = { requests: 0, faulted: 0 };
  #errors = new RatePicker();

  constructor(readonly options: FaultOptions) {
    checkFaultOptions(options);
  }

  /** The injected error for this request, if it is one of the failed ones. */
  errorFor(): GcsError | undefined {
    this.stats.requests++;
    if (!this.#errors.picks(this.options.errorRate, this.options.seed)) return undefined;
    this.stats.faulted++;
    const status = this.options.errorStatus ?? 503;
    if (status === 429) {
      return new GcsError(429, 'rateLimitExceeded', 'The sandbox injected a rate limit.', { 'Retry-After': '0' });
    }
    return new GcsError(status, 'backendError', 'The sandbox injected a backend error.');
  }

  /** Whether an upload of the object `name` is to be held (see `holdUploadsOf`). */
  holds(name: string | null): boolean {
    const held = this.options.holdUploadsOf;
    return held !== undefined && name?.includes(held) === true;
  }

  /** Bytes after which this resumable upload request is cut, if a cut is armed. */
  cutAfter(): number | undefined {
    return this.options.cutUploadAfterBytes;
  }

  /** Counts a cut and disarms it when `cutOnce` (the default). */
  recordCut(): void {
    this.stats.faulted++;
    if (this.options.cutOnce !== false) this.options.cutUploadAfterBytes = undefined;
  }

  /** Applies a JSON update (`null` removes a field) and returns the options now in force. */
  update(patch: Record<string, unknown>): FaultOptions {
    patchFaults(this.options, patch, checkFaultOptions);
    // Posting a seed restarts its sequence, even the same seed.
    if ('seed' in patch) this.#errors.restart();
    return this.options;
  }
}

const known = new Set(['errorRate', 'errorStatus', 'seed', 'cutUploadAfterBytes', 'cutOnce', 'holdUploadsOf']);

function checkFaultOptions(options: FaultOptions): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!known.has(key)) throw invalid(`Unknown fault option ${key}; known: ${[...known].join(', ')}.`);
    const ok =
      key === 'errorRate'
        ? typeof value === 'number' && value >= 0 && value <= 1
        : key === 'errorStatus'
          ? errorStatuses.includes(value as number)
          : key === 'cutOnce'
            ? typeof value === 'boolean'
            : key === 'holdUploadsOf'
              ? typeof value === 'string' && value !== ''
              : Number.isSafeInteger(value) && (value as number) >= 0;
    if (!ok) throw invalid(`Invalid fault option ${key}: ${JSON.stringify(value)}.`);
  }
}
