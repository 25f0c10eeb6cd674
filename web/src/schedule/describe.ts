import { cronOptions } from '@backflow/flow-model';
import { Cron } from 'croner';
import cronstrue from 'cronstrue';

export interface ScheduleReading {
  /** "At 02:00", or undefined when the pattern does not parse. */
  text: string | undefined;
  /** The next fire times, as ISO strings. */
  nextRuns: string[];
  error: string | undefined;
}

/** What a cron pattern means in words and when it fires next, in its time zone. */
export function readSchedule(cron: string, timezone = 'UTC', count = 5, from = new Date()): ScheduleReading {
  const pattern = cron.trim();
  if (!pattern)
    return { text: undefined, nextRuns: [], error: 'Write a cron pattern, e.g. 0 2 * * * (every day at 02:00)' };
  try {
    const job = new Cron(pattern, { ...cronOptions, paused: true, timezone });
    const nextRuns = job.nextRuns(count, from).map((date) => date.toISOString());
    job.stop();
    let text: string | undefined;
    try {
      text = cronstrue.toString(pattern, { use24HourTimeFormat: true, verbose: false });
    } catch {
      text = undefined;
    }
    if (nextRuns.length === 0)
      return { text, nextRuns, error: 'This pattern never matches a date, so it would never run' };
    return { text, nextRuns, error: undefined };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
    return { text: undefined, nextRuns: [], error: `Not a valid cron pattern: ${reason}` };
  }
}

/** IANA time zones this browser knows, UTC first. */
export function timeZones(): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...known.filter((zone) => zone !== 'UTC')];
}

/** A time shown in the schedule's zone, e.g. "Wed 25 Nov 2026, 02:00 (Europe/Paris)". */
export function formatInZone(iso: string, timezone: string): string {
  try {
    return new Date(iso).toLocaleString('en-GB', {
      timeZone: timezone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    return iso;
  }
}

export const cronExamples: { cron: string; label: string }[] = [
  { cron: '0 2 * * *', label: 'Every day at 02:00' },
  { cron: '0 * * * *', label: 'Every hour' },
  { cron: '*/15 * * * *', label: 'Every 15 minutes' },
  { cron: '0 6 * * 1-5', label: 'Weekdays at 06:00' },
  { cron: '0 3 1 * *', label: 'Monthly, on the 1st at 03:00' },
];
