import { type FaultSchedule, FaultScheduler, faultScheduleNames, type ScheduledFault } from '../fault-kit.ts';
import { HubspotError, invalidInput, RateLimitError } from './errors.ts';

/**
 * Failures the sandbox injects (fault-kit's `FaultSchedule`), all deterministic: the same options
 * and the same request order give the same faults. The object is live: change it (or POST JSON to
 * `/__sandbox/faults`) while the sandbox runs. Faults never apply to `/__sandbox/*`, and come
 * before the rate limiter. Injected 429s carry HubSpot's TEN_SECONDLY_ROLLING body, with Retry-After.
 */
export type HubspotFaults = FaultSchedule;

/** The sandbox's fault schedule; a refused option is HubSpot's 400 VALIDATION_ERROR. */
export function hubspotFaultScheduler(options: HubspotFaults): FaultScheduler<HubspotFaults> {
  return new FaultScheduler(options, undefined, (key, value, problem) =>
    invalidInput(
      problem === 'unknown'
        ? `Unknown fault option ${key}; known: ${faultScheduleNames.join(', ')}.`
        : `Invalid fault option ${key}: ${JSON.stringify(value)}.`,
    ),
  );
}

/** HubSpot's answer to an injected error or 429. */
export function faultError(fault: Extract<ScheduledFault, { kind: 'tooMany' | 'error' }>): HubspotError {
  if (fault.kind === 'tooMany')
    return new RateLimitError('TEN_SECONDLY_ROLLING', 'You have reached your ten_secondly_rolling limit.', {
      'Retry-After': String(fault.retryAfterSeconds),
    });
  return new HubspotError(
    fault.status,
    fault.status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR',
    'The sandbox injected a server error.',
  );
}
