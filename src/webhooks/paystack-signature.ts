import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks Paystack's `x-paystack-signature`: the hex HMAC-SHA512 of the raw
 * request body, keyed with the secret key. Compared in constant time.
 */
export function isValidPaystackSignature(
  rawBody: Buffer,
  signature: unknown,
  secretKey: string,
): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-f]{128}$/i.test(signature)) {
    return false;
  }
  const expected = createHmac('sha512', secretKey).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
