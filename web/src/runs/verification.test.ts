import { describe, expect, it } from 'vitest';
import { verdictOf } from './verification.ts';

const stream = {
  stream: 'orders',
  target: 'public.orders',
  source: 10,
  loaded: 9,
  rejected: 1,
  missing: 0,
  checksum: { source: '00000000000000ff', destination: '00000000000000ff' },
  ok: true,
};

describe('verdictOf', () => {
  it('says ok for a matching stream, and – for one verified by counts only', () => {
    expect(verdictOf(stream)).toEqual({ checksum: 'ok', ok: true });
    const { checksum: _checksum, ...countsOnly } = stream;
    expect(verdictOf(countsOnly)).toEqual({ checksum: '–', ok: true });
  });

  it('names the table, what differs and the first differing key of a mismatch', () => {
    expect(
      verdictOf({
        ...stream,
        loaded: 8,
        missing: 1,
        checksum: { source: '00000000000000ff', destination: '0000000000000abc' },
        firstDifference: { key: 'order_id=7', message: 'amount differs' },
        ok: false,
      }),
    ).toEqual({
      checksum: 'MISMATCH',
      ok: false,
      problem: 'public.orders: 1 row(s) missing, checksum differs; first differing key order_id=7 (amount differs)',
    });
  });
});
