import { describe, expect, it } from 'vitest';
import { loadIsolatingFailures } from './isolate-failures.ts';

class BadRow extends Error {}

/** A load that refuses any batch holding a negative number, as a CHECK constraint would. */
function loader(landed: number[], calls: { count: number }) {
  return async (rows: readonly number[]) => {
    calls.count += 1;
    const bad = rows.find((row) => row < 0);
    if (bad !== undefined) throw new BadRow(`value ${bad} violates check`);
    landed.push(...rows);
  };
}

describe('loadIsolatingFailures', () => {
  it('lands a clean batch in one load', async () => {
    const landed: number[] = [];
    const calls = { count: 0 };
    const failures = await loadIsolatingFailures([1, 2, 3], loader(landed, calls), (e) => e instanceof BadRow);
    expect(failures).toEqual([]);
    expect(landed).toEqual([1, 2, 3]);
    expect(calls.count).toBe(1);
  });

  it('isolates every bad row with its own error and lands all the others exactly once', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => (i % 97 === 13 ? -i : i));
    const landed: number[] = [];
    const calls = { count: 0 };
    const failures = await loadIsolatingFailures(rows, loader(landed, calls), (e) => e instanceof BadRow);
    const bad = rows.flatMap((row, index) => (row < 0 ? [index] : []));
    expect(failures.map((f) => f.row)).toEqual(bad);
    expect(failures.map((f) => (f.error as Error).message)).toEqual(bad.map((i) => `value ${-i} violates check`));
    expect(landed.sort((a, b) => a - b)).toEqual(rows.filter((row) => row >= 0));
    // About k·log2(n) loads, far fewer than one per row.
    expect(calls.count).toBeLessThan(bad.length * 2 * Math.ceil(Math.log2(rows.length)) + 1);
  });

  it('throws an error that is not the rows’ fault instead of rejecting rows for it', async () => {
    const lost = new Error('connection lost');
    await expect(
      loadIsolatingFailures(
        [1, 2],
        async () => {
          throw lost;
        },
        (e) => e instanceof BadRow,
      ),
    ).rejects.toBe(lost);
  });
});
