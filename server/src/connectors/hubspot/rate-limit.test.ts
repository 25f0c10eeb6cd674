import { describe, expect, it } from 'vitest';
import { hubspotServerWait } from './rate-limit.ts';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers(headers),
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const limited = (policyName: string) => ({
  status: 'error',
  message: 'You have reached your limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c033cdaa',
  policyName,
});
const now = Date.UTC(2026, 10, 24, 23, 0, 0);

describe('hubspotServerWait', () => {
  it('leaves a ten-secondly 429 to the backoff', () => {
    expect(hubspotServerWait(answer(429, limited('TEN_SECONDLY_ROLLING')), now)).toBeUndefined();
  });

  it('waits a second after a search 429', () => {
    expect(hubspotServerWait(answer(429, limited('SECONDLY')), now)).toBe(1000);
  });

  it('asks to wait until the next midnight after a daily 429, so the request fails rather than retries', () => {
    expect(hubspotServerWait(answer(429, limited('DAILY')), now)).toBe(3_600_000);
  });

  it('honours Retry-After first, and reads no policy from a body that is not JSON', () => {
    expect(hubspotServerWait(answer(429, limited('DAILY'), { 'retry-after': '3' }), now)).toBe(3000);
    expect(hubspotServerWait(answer(503, '<html>busy</html>'), now)).toBeUndefined();
    expect(hubspotServerWait(answer(429, 'slow down'), now)).toBeUndefined();
  });
});
