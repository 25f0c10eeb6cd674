import { describe, expect, it } from 'vitest';
import { readSchedule } from './describe.ts';

describe('readSchedule', () => {
  it('reads a daily pattern in words and lists the next runs in its time zone', () => {
    const reading = readSchedule('0 2 * * *', 'Europe/Paris', 3, new Date('2026-03-28T12:00:00Z'));
    expect(reading.text).toBe('At 02:00');
    // 02:00 in Paris is 01:00 UTC in winter; the clocks go forward on 29 March (no 02:00 that night).
    expect(reading.nextRuns).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
    ]);
    expect(reading.error).toBeUndefined();
  });

  it('takes a 6-field pattern with seconds', () => {
    const reading = readSchedule('*/30 * * * * *', 'UTC', 2, new Date('2026-01-01T00:00:00Z'));
    expect(reading.nextRuns).toEqual(['2026-01-01T00:00:30.000Z', '2026-01-01T00:01:00.000Z']);
  });

  it('says what is wrong with a pattern that does not parse, or is empty', () => {
    expect(readSchedule('61 * * * *').error).toMatch(/^Not a valid cron pattern: .*minute/);
    expect(readSchedule('  ').error).toMatch(/^Write a cron pattern/);
    expect(readSchedule('0 0 30 2 *').error).toMatch(/never/);
  });
});
