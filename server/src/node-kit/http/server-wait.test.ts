import { describe, expect, it } from 'vitest';
import { serverWaitMs } from './server-wait.ts';

const now = Date.parse('2025-03-01T12:00:00Z');
const wait = (headers: Record<string, string>) => serverWaitMs(new Headers(headers), now);

describe('the wait a server asks for', () => {
  it('reads Retry-After as seconds or as an HTTP date, a past date as no wait', () => {
    expect(wait({ 'retry-after': '120' })).toBe(120_000);
    expect(wait({ 'retry-after': ' 0 ' })).toBe(0);
    expect(wait({ 'retry-after': '1.5' })).toBe(1500);
    expect(wait({ 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT' })).toBe(30_000);
    expect(wait({ 'retry-after': 'Sat, 01 Mar 2025 11:59:00 GMT' })).toBe(0);
  });

  it('reads rate-limit resets as seconds to wait, or as epoch seconds or milliseconds', () => {
    expect(wait({ 'ratelimit-reset': '7' })).toBe(7000);
    expect(wait({ 'x-ratelimit-reset': String(now / 1000 + 42) })).toBe(42_000);
    expect(wait({ 'x-rate-limit-reset': String(now + 250) })).toBe(250);
    expect(wait({ ratelimit: '"default";r=0;t=9' })).toBe(9000);
    expect(wait({ ratelimit: 'limit=100, remaining=0, reset=3' })).toBe(3000);
  });

  it('prefers Retry-After to a reset header', () => {
    expect(wait({ 'retry-after': '2', 'x-ratelimit-reset': '60' })).toBe(2000);
  });

  it('names no wait when no header says one or a header is unreadable', () => {
    expect(wait({})).toBeUndefined();
    expect(wait({ 'retry-after': 'soon' })).toBeUndefined();
    expect(wait({ 'x-ratelimit-reset': '-5' })).toBeUndefined();
    expect(wait({ ratelimit: '"default";r=0' })).toBeUndefined();
  });
});
