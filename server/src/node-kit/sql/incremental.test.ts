import { describe, expect, it } from 'vitest';
import { canLookBack, cursorMeasure, LookbackMemory, lookbackStart } from './incremental.ts';

describe('lookbackStart', () => {
  it('moves a timestamp back by seconds in its own form, microseconds kept', () => {
    expect(lookbackStart('2024-03-01 00:00:10.000001', 'TIMESTAMP', 20)).toBe('2024-02-29 23:59:50.000001');
    expect(lookbackStart('2024-03-01 00:00:10+00', 'TIMESTAMPTZ', 0.5)).toBe('2024-03-01 00:00:09.500000+00');
    expect(lookbackStart('2024-03-01', 'DATE', 1)).toBe('2024-02-29');
    expect(lookbackStart('infinity', 'TIMESTAMP', 1)).toBe('infinity');
  });

  it('moves a number back in its own units, never less than asked', () => {
    expect(lookbackStart('9007199254740993', 'BIGINT', 2)).toBe('9007199254740991');
    expect(lookbackStart(10, 'INTEGER', 2.5)).toBe('7');
    expect(lookbackStart('10.75', 'DECIMAL(10,2)', 1)).toBe('9');
    expect(canLookBack('VARCHAR')).toBe(false);
    expect(cursorMeasure('1970-01-01 00:01:00', 'TIMESTAMP')).toBe(60);
  });
});

describe('LookbackMemory', () => {
  it('skips a row re-read unchanged, emits a changed one, and forgets rows older than the window', () => {
    const memory = new LookbackMemory('TIMESTAMP', 60, {
      after: ['2024-01-01 00:10:00', 9],
      recent: { '[1]': '2024-01-01 00:09:30', '[2]': '2024-01-01 00:09:50' },
    });
    expect(memory.unchanged('[1]', '2024-01-01 00:09:30')).toBe(true);
    expect(memory.unchanged('[2]', '2024-01-01 00:09:59')).toBe(false);
    memory.remember('[2]', '2024-01-01 00:09:59');
    memory.remember('[3]', '2024-01-01 00:10:45');
    // The newest value is 00:10:45, so the window starts at 00:09:45: row 1 (00:09:30) is forgotten.
    expect(memory.snapshot()).toEqual({ '[2]': '2024-01-01 00:09:59', '[3]': '2024-01-01 00:10:45' });
  });

  it('keeps at most its cap, dropping the oldest', () => {
    const memory = new LookbackMemory('INTEGER', 1000, undefined, 2);
    for (const id of [1, 2, 3]) memory.remember(`[${id}]`, id);
    expect(memory.snapshot()).toEqual({ '[2]': 2, '[3]': 3 });
  });
});
