import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookSignatureHeaders } from './webhook-signature.ts';

describe('webhookSignatureHeaders', () => {
  const body = '{"records":[{"name":"Zoë \\"q\\""}]}';
  const at = Date.UTC(2026, 11, 3, 12, 0, 0, 750);

  it('signs "<timestamp>.<body>" with HMAC-SHA256 as sha256=<hex>, the timestamp in Unix seconds', () => {
    const headers = webhookSignatureHeaders(body, { secret: 'whsec-1' }, at);
    expect(headers['X-Backflow-Timestamp']).toBe('1796299200');
    const expected = createHmac('sha256', 'whsec-1').update(`1796299200.${body}`).digest('hex');
    expect(headers['X-Backflow-Signature']).toBe(`sha256=${expected}`);
  });

  it('uses the configured header names, and sends only the timestamp without a secret', () => {
    expect(
      Object.keys(
        webhookSignatureHeaders(body, { secret: 's', signatureHeader: 'X-Sig', timestampHeader: 'X-At' }, at),
      ),
    ).toEqual(['X-At', 'X-Sig']);
    expect(webhookSignatureHeaders(body, {}, at)).toEqual({ 'X-Backflow-Timestamp': '1796299200' });
  });
});
