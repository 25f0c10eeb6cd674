import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks Backflow's webhook signature as a receiver would, written apart from the sender's code so
 * a mistake on either side shows: `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`).
 */
export function signatureMatches(
  secret: string,
  timestamp: string | undefined,
  body: string,
  header: string | undefined,
): boolean {
  if (timestamp === undefined || header === undefined || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
