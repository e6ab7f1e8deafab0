/**
 * Keys of personal data that are not secrets, so the redaction rules keep
 * them, but that request logs have no need for.
 */
const PERSONAL_KEY = /^(phone|phone_?number|msisdn|email|first_?name|last_?name|full_?name|address)$/i;

/** Replaces personal data in a parsed body with a placeholder, at any depth. */
export function withoutPersonalData(value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => withoutPersonalData(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      PERSONAL_KEY.test(key) ? '[personal data]' : withoutPersonalData(item, depth + 1),
    ]),
  );
}
