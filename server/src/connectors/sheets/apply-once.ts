import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import { HttpApiError, retryDelayScale } from '../../node-kit/http/index.ts';
import type { Spreadsheet, Tab } from './spreadsheet.ts';

/** Attempts of a request sent once; the waits between them double from half a second (times `retryDelayScale()`). */
const attempts = 8;

/**
 * Applies a batchUpdate whose repeat would do harm (a tab added twice, rows appended twice). It
 * is sent without the client's retries, since an answer lost after Google applied it would have it
 * applied again. After a failure the tabs are read afresh and `applied` says from them whether the
 * request took effect; if not, and the failure was 429, 5xx or the network, it is sent again.
 */
export async function applyOnce(
  spreadsheet: Spreadsheet,
  ctx: NodeContext,
  requests: object[],
  applied: (fresh: Tab[]) => boolean,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await spreadsheet.batchUpdate(requests, { once: true });
      return;
    } catch (error) {
      const fresh = await spreadsheet.tabs().catch(() => undefined);
      if (fresh && applied(fresh)) return;
      // without retries, a 429, 5xx or lost answer comes as retries exhausted after one attempt
      const failed = error instanceof HttpApiError && error.cause instanceof HttpApiError ? error.cause : error;
      if (!(failed instanceof HttpApiError && failed.retryable) || attempt >= attempts) throw error;
      ctx.log.warn('retrying a Google Sheets request sent once, after checking it did not take effect', {
        attempt,
        status: failed.status,
      });
      const waitMs = Math.round(Math.max(failed.retryAfterMs ?? 0, 500 * 2 ** (attempt - 1)) * retryDelayScale());
      await sleep(waitMs, undefined, {
        signal: ctx.signal,
      }).catch(() => {
        throw new CancelledError();
      });
    }
  }
}
