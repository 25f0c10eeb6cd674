import { describe, expect, it } from 'vitest';
import { recentLimit, remember, startingCursor } from './cursor.ts';

describe('startingCursor', () => {
  const now = 1_000_000;

  it('reads in full without incremental, and on the first incremental run', () => {
    expect(startingCursor(undefined, { until: 5 }, now)).toEqual({});
    expect(startingCursor({ lookbackMs: 100 }, undefined, now)).toEqual({ until: now, recent: {} });
  });

  it('searches from where the last run ended less the lookback, skipping what it emitted there', () => {
    const lastRun = { done: true as const, until: 900_000, recent: { a: 899_950, b: 999_950 } };
    expect(startingCursor({ lookbackMs: 100 }, lastRun, now)).toEqual({
      from: 899_900,
      until: now,
      skip: { a: 899_950, b: 999_950 },
      // still inside the next run's lookback: kept, so that run skips it too
      recent: { b: 999_950 },
    });
  });
});

describe('remember', () => {
  it('keeps what is at or after the floor, and only the most recent once past twice the limit', () => {
    const recent = new Map<string, number>();
    remember(recent, 'old', 10, 50);
    remember(recent, 'edge', 50, 50);
    expect([...recent]).toEqual([['edge', 50]]);
    for (let i = 0; i < 2 * recentLimit; i++) remember(recent, `id-${i}`, 100 + i, 50);
    expect(recent.size).toBe(recentLimit);
    expect(recent.has('edge')).toBe(false);
    expect(recent.get(`id-${2 * recentLimit - 1}`)).toBe(100 + 2 * recentLimit - 1);
    expect(recent.has(`id-${recentLimit - 1}`)).toBe(false);
  });
});
