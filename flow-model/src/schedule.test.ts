import { describe, expect, it } from 'vitest';
import { validateSchedule } from './schedule.ts';

describe('validateSchedule', () => {
  it('accepts 5-field (minute) and 6-field (second) patterns in a known zone', () => {
    expect(validateSchedule({ cron: '0 2 * * *', timezone: 'Europe/Oslo' })).toEqual([]);
    expect(validateSchedule({ cron: '*/10 * * * * *' })).toEqual([]);
    expect(validateSchedule({ cron: '@daily', timezone: 'UTC' })).toEqual([]);
  });

  it("names schedule.cron with croner's reason for an invalid pattern", () => {
    expect(validateSchedule({ cron: '61 * * * *' })).toEqual([
      { path: 'schedule.cron', message: '"61 * * * *" is not a valid cron pattern: Invalid value for minute: 61' },
    ]);
    const [tooShort] = validateSchedule({ cron: '* * *' });
    expect(tooShort?.path).toBe('schedule.cron');
    expect(tooShort?.message).toMatch(/^"\* \* \*" is not a valid cron pattern: .*five, six, or seven/);
    const [withYear] = validateSchedule({ cron: '0 0 0 1 1 * 2030' });
    expect(withYear?.path).toBe('schedule.cron');
    expect(withYear?.message).toContain('requires exactly 5 or 6 parts');
  });

  it('refuses a pattern that can never fire (30 February)', () => {
    expect(validateSchedule({ cron: '0 0 30 2 *' })).toEqual([
      { path: 'schedule.cron', message: '"0 0 30 2 *" never matches a date, so it would never run' },
    ]);
  });

  it('names schedule.timezone for an unknown IANA zone, and reports both problems together', () => {
    expect(validateSchedule({ cron: '0 2 * * *', timezone: 'Mars/Olympus_Mons' })).toEqual([
      {
        path: 'schedule.timezone',
        message: '"Mars/Olympus_Mons" is not a known IANA time zone (e.g. UTC, Europe/Oslo, America/New_York)',
      },
    ]);
    const issues = validateSchedule({ cron: 'every day', timezone: 'Nowhere' });
    expect(issues.map((issue) => issue.path)).toEqual(['schedule.timezone', 'schedule.cron']);
  });
});
