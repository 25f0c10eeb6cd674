/**
 * Schedule rules: a flow's `schedule.cron` must be a pattern croner reads (5 fields, or 6 with
 * seconds) that matches some date, and `schedule.timezone` an IANA zone. The server's scheduler
 * and the editor's schedule form read patterns with the same options.
 */
import { Cron, type CronOptions } from 'croner';
import type { FlowSchedule } from './flow-schema.ts';

/** The zone a schedule without `timezone` is read in. */
export const defaultTimezone = 'UTC';

/** Minute patterns (5 fields) and second patterns (6 fields); croner's 7th year field is refused. */
export const cronOptions = { mode: '5-or-6-parts' } satisfies CronOptions;

export interface ScheduleIssue {
  path: string;
  message: string;
}

/** Problems with a flow's schedule, with paths relative to the flow (`schedule.cron`, `schedule.timezone`). */
export function validateSchedule(schedule: FlowSchedule): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  const timezone = schedule.timezone ?? defaultTimezone;
  const zoneKnown = isTimeZone(timezone);
  if (!zoneKnown) {
    issues.push({
      path: 'schedule.timezone',
      message: `"${timezone}" is not a known IANA time zone (e.g. UTC, Europe/Oslo, America/New_York)`,
    });
  }
  try {
    const job = new Cron(schedule.cron, { ...cronOptions, paused: true, ...(zoneKnown ? { timezone } : {}) });
    if (job.nextRun() === null) {
      issues.push({ path: 'schedule.cron', message: `"${schedule.cron}" never matches a date, so it would never run` });
    }
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
    issues.push({ path: 'schedule.cron', message: `"${schedule.cron}" is not a valid cron pattern: ${reason}` });
  }
  return issues;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}
