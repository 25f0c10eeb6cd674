import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors.ts';
import { createScheduler, type ScheduledFlow, type Scheduler, type SchedulerOptions } from './scheduler.ts';

/** Options that record every call; `trigger` answers with `outcome` unless replaced. */
function recording(overrides: Partial<SchedulerOptions> = {}, lastFired?: Date) {
  const calls: string[] = [];
  const triggered: { flowId: string; at: string }[] = [];
  const fired: { flowId: string; at: string }[] = [];
  const logs: string[] = [];
  const options: SchedulerOptions = {
    async trigger(flowId, scheduledAt) {
      calls.push(`trigger ${flowId} ${scheduledAt.toISOString()}`);
      triggered.push({ flowId, at: scheduledAt.toISOString() });
      return 'started';
    },
    async lastFired() {
      return lastFired;
    },
    async markFired(flowId, at) {
      calls.push(`markFired ${flowId} ${at.toISOString()}`);
      fired.push({ flowId, at: at.toISOString() });
    },
    log: (level, message) => logs.push(`${level} ${message}`),
    ...overrides,
  };
  return { options, calls, triggered, fired, logs };
}

const schedulers: Scheduler[] = [];
function scheduler(options: SchedulerOptions): Scheduler {
  const created = createScheduler(options);
  schedulers.push(created);
  return created;
}

afterEach(() => {
  for (const created of schedulers.splice(0)) created.stop();
  vi.useRealTimers();
});

/** Wall-clock hour and minute of an instant in a time zone, e.g. `02:00`. */
function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );
}

describe('createScheduler', () => {
  it('fires a seconds pattern on time: markFired, then trigger, with whole-second fire times (fake clock)', async () => {
    // Mid-second on a clock the test moves: every second boundary in the 2.5 s fires, once, in order.
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00.300Z') });
    const { options, calls } = recording();
    scheduler(options).set({ id: 'f1', name: 'nightly', schedule: { cron: '* * * * * *' } });
    await vi.advanceTimersByTimeAsync(2500);
    expect(calls).toEqual([
      'markFired f1 2026-01-10T12:00:01.000Z',
      'trigger f1 2026-01-10T12:00:01.000Z',
      'markFired f1 2026-01-10T12:00:02.000Z',
      'trigger f1 2026-01-10T12:00:02.000Z',
    ]);
  });

  it('fires a daily pattern once a day at its local time in the zone (fake clock)', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00Z') });
    const { options, triggered } = recording();
    scheduler(options).set({ id: 'f1', name: 'nightly', schedule: { cron: '0 2 * * *', timezone: 'Europe/Oslo' } });
    await vi.advanceTimersByTimeAsync(2 * 24 * 3600 * 1000);
    // 02:00 in Oslo in winter is 01:00 UTC.
    expect(triggered).toEqual([
      { flowId: 'f1', at: '2026-01-11T01:00:00.000Z' },
      { flowId: 'f1', at: '2026-01-12T01:00:00.000Z' },
    ]);
  });

  it('skips a fire while the flow is still running (trigger says skipped), starting no second run, and logs it', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00Z') });
    let active = false;
    const started: string[] = [];
    const { options, logs } = recording({
      async trigger(_flowId, scheduledAt) {
        if (active) return 'skipped';
        active = true; // a long run that does not end within the test
        started.push(scheduledAt.toISOString());
        return 'started';
      },
    });
    scheduler(options).set({ id: 'f1', name: 'orders backup', schedule: { cron: '*/5 * * * *' } });
    await vi.advanceTimersByTimeAsync(11 * 60 * 1000);
    expect(started).toEqual(['2026-01-10T12:05:00.000Z']);
    expect(logs.filter((line) => line.includes('skipped'))).toEqual([
      'info flow "orders backup" is still running; skipped the run scheduled for 2026-01-10T12:10:00.000Z',
    ]);
  });

  it('holds a fire back while the previous scheduled start has not returned, warns once, then starts it', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00Z') });
    const calls: string[] = [];
    let release: (() => void) | undefined;
    const { options, logs } = recording({
      trigger: (_flowId, scheduledAt) => {
        calls.push(`${new Date().toISOString()} trigger ${scheduledAt.toISOString()}`);
        // The first start hangs (e.g. a locked store) until released.
        return release ? Promise.resolve('started') : new Promise((resolve) => (release = () => resolve('started')));
      },
    });
    scheduler(options).set({ id: 'f1', name: 'orders', schedule: { cron: '0 * * * *' } });
    await vi.advanceTimersByTimeAsync(2.2 * 3600 * 1000);
    expect(calls).toEqual(['2026-01-10T13:00:00.000Z trigger 2026-01-10T13:00:00.000Z']);
    expect(logs.filter((line) => line.startsWith('warn'))).toEqual([
      'warn flow "orders": the previous scheduled start has not returned yet; the run scheduled for 2026-01-10T14:00:00.000Z waits for it',
    ]);
    release!();
    await vi.advanceTimersByTimeAsync(60 * 1000);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatch(/^2026-01-10T14:1\d:\d\d\.000Z trigger 2026-01-10T14:00:00\.000Z$/);
  });

  it('logs a trigger that rejects as an error and keeps the schedule (no unhandled rejection)', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00Z') });
    let attempts = 0;
    const { options, logs } = recording({
      async trigger() {
        attempts += 1;
        throw new Error('store is locked');
      },
    });
    scheduler(options).set({ id: 'f1', name: 'orders', schedule: { cron: '0 * * * *' } });
    await vi.advanceTimersByTimeAsync(2 * 3600 * 1000);
    expect(attempts).toBe(2);
    expect(logs.filter((line) => line.startsWith('error'))).toEqual([
      'error flow "orders": the run scheduled for 2026-01-10T13:00:00.000Z could not start: store is locked',
      'error flow "orders": the run scheduled for 2026-01-10T14:00:00.000Z could not start: store is locked',
    ]);
  });

  it('set() replaces the job of a flow, and set() without a schedule or remove() stops it', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00Z') });
    const { options, triggered } = recording();
    const jobs = scheduler(options);
    jobs.set({ id: 'a', name: 'a', schedule: { cron: '0 * * * *' } });
    jobs.set({ id: 'a', name: 'a', schedule: { cron: '30 * * * *' } });
    jobs.set({ id: 'b', name: 'b', schedule: { cron: '0 * * * *' } });
    jobs.set({ id: 'c', name: 'c', schedule: { cron: '0 * * * *' } });
    await vi.advanceTimersByTimeAsync(3600 * 1000);
    expect(triggered).toEqual([
      { flowId: 'a', at: '2026-01-10T12:30:00.000Z' },
      { flowId: 'b', at: '2026-01-10T13:00:00.000Z' },
      { flowId: 'c', at: '2026-01-10T13:00:00.000Z' },
    ]);
    await jobs.remove('b');
    jobs.set({ id: 'c', name: 'c' });
    expect(jobs.nextRuns('b')).toEqual([]);
    expect(jobs.nextRuns('c')).toEqual([]);
    await vi.advanceTimersByTimeAsync(3600 * 1000);
    expect(triggered.slice(3)).toEqual([{ flowId: 'a', at: '2026-01-10T13:30:00.000Z' }]);
  });

  it('remove() resolves only once a scheduled start under way has returned, and no start follows', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00Z') });
    let release: (() => void) | undefined;
    const triggered: string[] = [];
    const { options } = recording({
      trigger: (_flowId, scheduledAt) => {
        triggered.push(scheduledAt.toISOString());
        // The start hangs (a busy store, say) until the test releases it.
        return new Promise((resolve) => (release = () => resolve('started')));
      },
    });
    const jobs = scheduler(options);
    jobs.set({ id: 'f1', name: 'orders', schedule: { cron: '0 * * * *' } });
    await vi.advanceTimersByTimeAsync(3600 * 1000);
    expect(triggered).toEqual(['2026-01-10T13:00:00.000Z']);
    let removed = false;
    const removal = jobs.remove('f1').then(() => {
      removed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(removed).toBe(false);
    release!();
    await removal;
    expect(jobs.nextRuns('f1')).toEqual([]);
    await vi.advanceTimersByTimeAsync(3 * 3600 * 1000);
    expect(triggered).toEqual(['2026-01-10T13:00:00.000Z']);
    // With nothing under way, it resolves at once.
    await jobs.remove('f1');
  });

  it('set() throws a ConfigError naming schedule.cron / schedule.timezone and keeps the old job', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-10T12:00:00Z') });
    const { options, triggered } = recording();
    const jobs = scheduler(options);
    jobs.set({ id: 'a', name: 'a', schedule: { cron: '0 * * * *' } });
    let thrown: unknown;
    try {
      jobs.set({ id: 'a', name: 'a', schedule: { cron: '0 25 * * *', timezone: 'Europe/Nowhere' } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.code).toBe('config_invalid');
    expect(error.details.map((d) => d.path)).toEqual(['schedule.timezone', 'schedule.cron']);
    expect(error.message).toContain('flow "a" has an invalid schedule');
    await vi.advanceTimersByTimeAsync(3600 * 1000);
    expect(triggered).toEqual([{ flowId: 'a', at: '2026-01-10T13:00:00.000Z' }]);
  });

  it('nextRuns gives increasing ISO times at the local time of the zone, across a DST change', () => {
    vi.useFakeTimers({ now: new Date('2026-03-06T12:00:00Z') });
    const jobs = scheduler(recording().options);
    jobs.set({ id: 'ny', name: 'ny', schedule: { cron: '30 9 * * *', timezone: 'America/New_York' } });
    jobs.set({ id: 'utc', name: 'utc', schedule: { cron: '30 9 * * *' } });
    // New York moves from UTC-5 to UTC-4 on 8 March 2026.
    expect(jobs.nextRuns('ny', 3)).toEqual([
      '2026-03-06T14:30:00.000Z',
      '2026-03-07T14:30:00.000Z',
      '2026-03-08T13:30:00.000Z',
    ]);
    expect(jobs.nextRuns('ny', 3).map((iso) => localTime(iso, 'America/New_York'))).toEqual([
      '09:30',
      '09:30',
      '09:30',
    ]);
    expect(jobs.nextRuns('utc', 2)).toEqual(['2026-03-07T09:30:00.000Z', '2026-03-08T09:30:00.000Z']);
    expect(jobs.nextRuns('utc')).toHaveLength(5);
    expect(jobs.nextRuns('unknown')).toEqual([]);
  });
});

describe('catchUp', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  const daily = (catchUp: boolean): ScheduledFlow => ({
    id: 'f1',
    name: 'nightly',
    schedule: { cron: '0 2 * * *', catchUp },
  });

  it('triggers exactly one run, for the most recent missed time, when catchUp is on', async () => {
    // Down since before the 23rd: both the 23rd and the 24th were missed; only the 24th runs.
    const { options, calls } = recording({}, new Date('2026-11-22T02:00:00Z'));
    await scheduler(options).catchUp([daily(true)], now);
    expect(calls).toEqual(['markFired f1 2026-11-24T02:00:00.000Z', 'trigger f1 2026-11-24T02:00:00.000Z']);
  });

  it('triggers nothing when catchUp is off, and records now as the baseline', async () => {
    const { options, calls } = recording({}, new Date('2026-11-22T02:00:00Z'));
    await scheduler(options).catchUp([daily(false)], now);
    expect(calls).toEqual(['markFired f1 2026-11-24T10:00:00.000Z']);
  });

  it('triggers nothing when no scheduled time was missed', async () => {
    const { options, calls } = recording({}, new Date('2026-11-24T02:00:00Z'));
    await scheduler(options).catchUp([daily(true)], now);
    expect(calls).toEqual([]);
  });

  it('triggers nothing when the flow never fired before, and records now as the baseline', async () => {
    const { options, calls } = recording({}, undefined);
    await scheduler(options).catchUp([daily(true), { id: 'manual', name: 'manual' }], now);
    expect(calls).toEqual(['markFired f1 2026-11-24T10:00:00.000Z']);
  });

  it('honours the zone: the missed time is 02:00 local', async () => {
    const { options, triggered } = recording({}, new Date('2026-11-20T00:00:00Z'));
    const flow = { id: 'f1', name: 'tokyo', schedule: { cron: '0 2 * * *', timezone: 'Asia/Tokyo', catchUp: true } };
    await scheduler(options).catchUp([flow], now);
    expect(triggered).toEqual([{ flowId: 'f1', at: '2026-11-23T17:00:00.000Z' }]);
  });

  it('logs a skipped catch-up run and a failing flow without stopping the others', async () => {
    const { options, logs, triggered } = recording(
      {
        async trigger(flowId, scheduledAt) {
          triggered.push({ flowId, at: scheduledAt.toISOString() });
          return 'skipped';
        },
        async lastFired(flowId) {
          if (flowId === 'broken') throw new Error('store unavailable');
          return new Date('2026-11-22T02:00:00Z');
        },
      },
      undefined,
    );
    await scheduler(options).catchUp(
      [
        { ...daily(true), id: 'broken', name: 'broken' },
        daily(true),
        { id: 'bad', name: 'bad', schedule: { cron: 'x' } },
      ],
      now,
    );
    expect(triggered).toEqual([{ flowId: 'f1', at: '2026-11-24T02:00:00.000Z' }]);
    expect(logs).toContain('error flow "broken": catch-up failed: store unavailable');
    expect(logs).toContain(
      'info flow "nightly" is still running; skipped the run scheduled for 2026-11-24T02:00:00.000Z',
    );
    expect(
      logs.some((line) => line.startsWith('error flow "bad": catch-up failed: flow "bad" has an invalid schedule')),
    ).toBe(true);
  });
});
