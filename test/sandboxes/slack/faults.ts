import { type FaultSchedule, FaultScheduler, faultScheduleNames, type ScheduledFault } from '../fault-kit.ts';
import { invalidArguments, rateLimited, SlackError } from './errors.ts';

/**
 * Failures the sandbox injects (fault-kit's `FaultSchedule`), all deterministic: the same options
 * and the same request order give the same faults. Live: change it (or POST JSON to
 * `/__sandbox/faults`) while the sandbox runs. Faults apply to Web API calls and incoming webhooks,
 * never to `/__sandbox/*`, and come before the rate limits. Injected 429s are Slack's `ratelimited`
 * with `Retry-After`.
 */
export type SlackFaults = FaultSchedule;

/** The sandbox's fault schedule; a refused option is Slack's `invalid_arguments`. */
export function slackFaultScheduler(options: SlackFaults): FaultScheduler<SlackFaults> {
  return new FaultScheduler(options, undefined, (key, value, problem) =>
    invalidArguments(
      problem === 'unknown'
        ? `unknown fault option ${key}; known: ${faultScheduleNames.join(', ')}`
        : `invalid fault option ${key}: ${JSON.stringify(value)}`,
    ),
  );
}

/** Slack's answer to an injected error or 429. */
export function faultError(fault: Extract<ScheduledFault, { kind: 'tooMany' | 'error' }>): SlackError {
  if (fault.kind === 'tooMany') return rateLimited(fault.retryAfterSeconds);
  return new SlackError(fault.status === 503 ? 'service_unavailable' : 'internal_error', fault.status);
}
