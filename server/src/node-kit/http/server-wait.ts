/**
 * How long the server asks a client to wait before its next request, from the headers of a 429 or
 * 5xx answer: `Retry-After` (seconds or an HTTP date) first, else a rate-limit reset header
 * (`RateLimit-Reset`, `X-RateLimit-Reset`, `X-Rate-Limit-Reset`, or the `t=`/`reset=` of `RateLimit`).
 * A reset is read as seconds to wait when small, as epoch seconds (or milliseconds) when it is a
 * date. `undefined` when the server names no wait; 0 when the time it names has passed.
 */
export function serverWaitMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset =
    headers.get('ratelimit-reset') ??
    headers.get('x-ratelimit-reset') ??
    headers.get('x-rate-limit-reset') ??
    /(?:^|[;,\s])(?:t|reset)=(\d+(?:\.\d+)?)/.exec(headers.get('ratelimit') ?? '')?.[1];
  const value = Number(reset?.trim());
  if (!reset?.trim() || !Number.isFinite(value) || value < 0) return undefined;
  if (value >= 1e12) return Math.max(0, Math.ceil(value - now));
  if (value >= 1e9) return Math.max(0, Math.ceil(value * 1000 - now));
  return Math.ceil(value * 1000);
}
