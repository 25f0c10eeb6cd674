/**
 * Runs flows on their `schedule` (DESIGN.md §1). Croner does the cron work: parsing, time zones
 * and DST, timers, next and previous fire times. This module adds what a flow needs on top: a
 * persisted last fire time, at most one catch-up run after downtime, and the skip-if-running
 * overlap policy (decided by `trigger`, which knows the flow's active runs).
 */
import { cronOptions, defaultTimezone, type FlowSchedule, validateSchedule } from '@backflow/flow-model';
import { Cron } from 'croner';
import { ConfigError, errorMessage } from '../errors.ts';

export interface ScheduledFlow {
  id: string;
  name: string;
  schedule?: FlowSchedule;
}

export interface SchedulerOptions {
  /** Starts a run of the flow for the given fire time; 'skipped' when the flow already has an active run (overlap policy skip-if-running). */
  trigger(flowId: string, scheduledAt: Date): Promise<'started' | 'skipped'>;
  /** Persisted time of the last scheduled fire of the flow (for catch-up after downtime). */
  lastFired(flowId: string): Promise<Date | undefined>;
  markFired(flowId: string, at: Date): Promise<void>;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface Scheduler {
  /**
   * Adds, replaces or (when flow.schedule is absent) removes the flow's job. Throws a ConfigError
   * naming `schedule.cron` / `schedule.timezone` when the pattern or zone is invalid (the old job
   * is then left as it was).
   */
  set(flow: ScheduledFlow): void;
  /**
   * Stops the flow's job. Resolves once a scheduled start of the flow that was under way (its
   * markFired and trigger not returned yet) has returned: from then on no scheduled run of it starts.
   */
  remove(flowId: string): Promise<void>;
  /** Next fire times as ISO strings (empty when unscheduled). */
  nextRuns(flowId: string, count?: number): string[];
  /**
   * At start-up: for each flow with catchUp whose most recent scheduled time (before now) is after
   * lastFired, triggers exactly one run. A flow without catchUp, or whose lastFired is unknown, gets
   * markFired(now) as its baseline instead. Never rejects: problems are logged per flow.
   */
  catchUp(flows: ScheduledFlow[], now?: Date): Promise<void>;
  /** Stops every job. */
  stop(): void;
}

function zoneOf(schedule: FlowSchedule): string {
  return schedule.timezone ?? defaultTimezone;
}

/** The pattern time a fire at `firedAt` belongs to (croner's timer fires a few milliseconds after it). */
function scheduledTime(job: Cron, firedAt: Date): Date {
  return job.previousRuns(1, new Date(firedAt.getTime() + 1))[0] ?? firedAt;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const jobs = new Map<string, Cron>();
  /** Scheduled starts under way, by flow (croner's `protect` allows one a job at a time). */
  const starting = new Map<string, Promise<void>>();

  /** Throws a ConfigError naming `schedule.cron` / `schedule.timezone` when the schedule is invalid. */
  function assertValid(flow: ScheduledFlow, schedule: FlowSchedule): void {
    const issues = validateSchedule(schedule);
    if (issues.length === 0) return;
    const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw new ConfigError(`flow "${flow.name}" has an invalid schedule: ${summary}`, { details: issues });
  }

  /** Records the fire, then starts the run. Never rejects: a failure is logged and the job keeps its schedule. */
  async function fire(flow: ScheduledFlow, scheduledAt: Date): Promise<void> {
    const at = scheduledAt.toISOString();
    try {
      await options.markFired(flow.id, scheduledAt);
      const outcome = await options.trigger(flow.id, scheduledAt);
      if (outcome === 'skipped') {
        options.log('info', `flow "${flow.name}" is still running; skipped the run scheduled for ${at}`);
      } else {
        options.log('info', `flow "${flow.name}": started the run scheduled for ${at}`);
      }
    } catch (error) {
      options.log('error', `flow "${flow.name}": the run scheduled for ${at} could not start: ${errorMessage(error)}`);
    }
  }

  /** `fire`, remembered until it returns, so `remove` can wait for it. */
  function start(flow: ScheduledFlow, scheduledAt: Date): Promise<void> {
    const started: Promise<void> = fire(flow, scheduledAt).finally(() => {
      if (starting.get(flow.id) === started) starting.delete(flow.id);
    });
    starting.set(flow.id, started);
    return started;
  }

  function remove(flowId: string): Promise<void> {
    jobs.get(flowId)?.stop();
    jobs.delete(flowId);
    return starting.get(flowId) ?? Promise.resolve();
  }

  return {
    set(flow) {
      if (!flow.schedule) {
        void remove(flow.id);
        return;
      }
      const schedule = flow.schedule;
      assertValid(flow, schedule); // before the old job is touched
      void remove(flow.id);
      let lastBlocked: string | undefined;
      const job = new Cron(
        schedule.cron,
        {
          ...cronOptions,
          timezone: zoneOf(schedule),
          // A fire whose markFired/trigger has not returned yet holds back the next one (trigger only
          // starts a run, so this is a slow start, not a long run). Croner re-checks the held fire every
          // 30 s and starts it once the previous one returned; each held time is reported once.
          protect: (blocked) => {
            const at = scheduledTime(blocked, new Date()).toISOString();
            if (at === lastBlocked) return;
            lastBlocked = at;
            options.log(
              'warn',
              `flow "${flow.name}": the previous scheduled start has not returned yet; the run scheduled for ${at} waits for it`,
            );
          },
          catch: (error) => options.log('error', `flow "${flow.name}": scheduler error: ${errorMessage(error)}`),
        },
        (self) => start(flow, scheduledTime(self, self.currentRun() ?? new Date())),
      );
      jobs.set(flow.id, job);
    },

    remove,

    nextRuns(flowId, count = 5) {
      const job = jobs.get(flowId);
      return job ? job.nextRuns(count, new Date()).map((date) => date.toISOString()) : [];
    },

    async catchUp(flows, now = new Date()) {
      for (const flow of flows) {
        if (!flow.schedule) continue;
        try {
          const schedule = flow.schedule;
          assertValid(flow, schedule);
          const calendar = new Cron(schedule.cron, { ...cronOptions, paused: true, timezone: zoneOf(schedule) });
          const missed = calendar.previousRuns(1, now)[0];
          const last = await options.lastFired(flow.id);
          if (!schedule.catchUp || last === undefined) {
            await options.markFired(flow.id, now);
          } else if (missed && missed.getTime() > last.getTime()) {
            options.log(
              'info',
              `flow "${flow.name}" missed the run scheduled for ${missed.toISOString()} (last fired ${last.toISOString()}); catching up`,
            );
            await start(flow, missed);
          }
        } catch (error) {
          options.log('error', `flow "${flow.name}": catch-up failed: ${errorMessage(error)}`);
        }
      }
    },

    stop() {
      for (const job of jobs.values()) job.stop();
      jobs.clear();
    },
  };
}
