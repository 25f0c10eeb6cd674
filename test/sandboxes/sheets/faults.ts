import type { ScheduledFault } from '../fault-kit.ts';
import { quotaExceeded, SheetsError } from './errors.ts';

export type { FaultSchedule as SheetsFaults } from '../fault-kit.ts';

/** An injected fault as the Sheets API would answer it: 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 500 INTERNAL. */
export function faultAnswer(fault: Extract<ScheduledFault, { kind: 'tooMany' | 'error' }>): SheetsError {
  if (fault.kind === 'tooMany') return quotaExceeded('Write', fault.retryAfterSeconds);
  return fault.status === 503
    ? new SheetsError(503, 'UNAVAILABLE', 'The service is currently unavailable.')
    : new SheetsError(fault.status, 'INTERNAL', 'Internal error encountered.');
}
