import { createHmac } from 'node:crypto';

export const defaultSignatureHeader = 'X-Backflow-Signature';
export const defaultTimestampHeader = 'X-Backflow-Timestamp';

export interface WebhookSigning {
  /** The HMAC key; without it only the timestamp is sent. */
  secret?: string | undefined;
  signatureHeader?: string | undefined;
  timestampHeader?: string | undefined;
}

/**
 * The headers that let a receiver trust a webhook body: the Unix time it was signed and
 * `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`). The timestamp is inside the signed
 * text (as Stripe and Slack do) so a receiver can refuse an old delivery replayed by someone else.
 */
export function webhookSignatureHeaders(
  body: string,
  signing: WebhookSigning,
  now = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const headers: Record<string, string> = { [signing.timestampHeader ?? defaultTimestampHeader]: timestamp };
  if (signing.secret !== undefined) {
    const digest = createHmac('sha256', signing.secret).update(`${timestamp}.${body}`).digest('hex');
    headers[signing.signatureHeader ?? defaultSignatureHeader] = `sha256=${digest}`;
  }
  return headers;
}
