/**
 * Incremental reads: rows whose (cursor, key) comes after where the last run ended, and the
 * lookback that re-reads a window before that point so rows committed late with an older cursor
 * value are not lost, without repeating the rows of that window already emitted unchanged.
 */

/** Where the next incremental read of a stream starts. */
export interface IncrementalMark {
  /** The (cursor, ...key) values of the last row read, in record form. */
  after: unknown[];
  /**
   * With a lookback: key (JSON of its values) → cursor value of the rows emitted within the
   * window before `after`, so a re-read skips those still unchanged. At most `lookbackMemoryCap`.
   */
  recent?: Record<string, unknown>;
}

/**
 * Rows of the lookback window remembered per stream. Beyond it the oldest are forgotten: such a
 * row, re-read unchanged by the next run, is emitted again (a repeat, never a loss).
 */
export const lookbackMemoryCap = 10_000;

const timeTypes = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE)$/;
const integerTypes = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;
const numberTypes = /^(DECIMAL\(\d+,\s*\d+\)|FLOAT|DOUBLE)$/;

/** Whether a column of `type` can carry a lookback (a time, or a number counted in its own units). */
export function canLookBack(type: string): boolean {
  return timeTypes.test(type) || integerTypes.test(type) || numberTypes.test(type);
}

const timestampText = /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]00(?::?00)?)?$/;

/** Microseconds since the epoch of a DATE/TIMESTAMP record value in UTC, or undefined (infinity, BC). */
function epochMicros(text: string): bigint | undefined {
  const parts = timestampText.exec(text);
  if (!parts) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = ''] = parts;
  const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return BigInt(millis) * 1000n + BigInt(fraction.padEnd(6, '0') || '0');
}

function timestampOf(micros: bigint, type: string): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(millis)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (type === 'DATE') return iso.slice(0, 10);
  const fraction = String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0');
  const zone = /TZ|WITH TIME ZONE/.test(type) ? '+00' : '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}${zone}`;
}

/** A cursor value as a number for window arithmetic: seconds since the epoch for times, the value for numbers. */
export function cursorMeasure(value: unknown, type: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (timeTypes.test(type)) {
    const micros = epochMicros(String(value));
    return micros === undefined ? undefined : Number(micros) / 1e6;
  }
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * `value − seconds`, in the cursor column's record form: where a lookback re-read starts. Rounded
 * down (a date to its day, a number to an integer below), so the window is never shorter than asked.
 */
export function lookbackStart(value: unknown, type: string, seconds: number): unknown {
  if (timeTypes.test(type)) {
    const micros = epochMicros(String(value));
    if (micros === undefined) return value;
    return timestampOf(micros - BigInt(Math.ceil(seconds * 1e6)), type);
  }
  if (integerTypes.test(type)) return String(BigInt(String(value)) - BigInt(Math.ceil(seconds)));
  const start = Math.floor(Number(value) - seconds);
  return typeof value === 'number' ? start : String(start);
}

/**
 * The rows of the lookback window already emitted, by key: a re-read row whose cursor value is the
 * one remembered is unchanged and skipped; any other is emitted and remembered. Entries older than
 * the window before the newest cursor value seen are forgotten as the read moves on (a later row
 * cannot carry such an old value: rows come in cursor order), and beyond the cap the oldest go.
 */
export class LookbackMemory {
  private readonly recent: Map<string, unknown>;
  private newest: number | undefined;

  constructor(
    private readonly type: string,
    private readonly seconds: number,
    mark: IncrementalMark | undefined,
    private readonly cap = lookbackMemoryCap,
  ) {
    this.recent = new Map(Object.entries(mark?.recent ?? {}));
    this.newest = mark === undefined ? undefined : cursorMeasure(mark.after[0], type);
  }

  /** Whether the row with `key` and cursor `value` was emitted before exactly so. */
  unchanged(key: string, value: unknown): boolean {
    return this.recent.has(key) && JSON.stringify(this.recent.get(key)) === JSON.stringify(value);
  }

  /** Notes an emitted row. */
  remember(key: string, value: unknown): void {
    this.recent.delete(key); // re-inserted last: the map stays in cursor order for the cap
    this.recent.set(key, value);
    const measure = cursorMeasure(value, this.type);
    if (measure !== undefined && (this.newest === undefined || measure > this.newest)) this.newest = measure;
  }

  /** The remembered rows still inside the window, for the cursor. */
  snapshot(): Record<string, unknown> {
    if (this.newest !== undefined) {
      // A millisecond of slack: the measure of a time is a float of seconds.
      const oldest = this.newest - this.seconds - 0.001;
      for (const [key, value] of this.recent) {
        const measure = cursorMeasure(value, this.type);
        if (measure !== undefined && measure < oldest) this.recent.delete(key);
      }
    }
    while (this.recent.size > this.cap) this.recent.delete(this.recent.keys().next().value as string);
    return Object.fromEntries(this.recent);
  }
}
