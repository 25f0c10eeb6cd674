/**
 * How long a HubSpot 429 asks a client to wait. HubSpot names the limit it hit in the body's
 * `policyName` rather than in a `Retry-After`:
 * - `TEN_SECONDLY_ROLLING`: the app's budget per rolling 10 s; a slot frees as soon as the oldest
 *   request of the window ages out, so the usual backoff is right (undefined here);
 * - `SECONDLY`: the search endpoints' per-second limit: a second;
 * - `DAILY`: the account's daily budget, reset at midnight in the account's time zone (unknown
 *   here): the wait runs to the next UTC midnight, so the request fails at once as
 *   `http_rate_limited` instead of retrying for hours.
 * A `Retry-After` or reset header, when HubSpot sends one (it does on 477 and some 5xx), wins.
 */
import { type HttpFailedAnswer, serverWaitMs } from '../../node-kit/http/index.ts';

const secondMs = 1000;
const dayMs = 86_400_000;

export function hubspotServerWait({ status, headers, body }: HttpFailedAnswer, now = Date.now()): number | undefined {
  const named = serverWaitMs(headers, now);
  if (named !== undefined || status !== 429) return named;
  switch (policyNameOf(body)) {
    case 'DAILY':
      return dayMs - (now % dayMs);
    case 'SECONDLY':
      return secondMs;
    default:
      return undefined;
  }
}

function policyNameOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { policyName?: unknown };
    return typeof parsed.policyName === 'string' ? parsed.policyName : undefined;
  } catch {
    return undefined;
  }
}
