/**
 * Splits a key into lower-case words at camelCase humps and at every
 * character that is not an ASCII letter or digit, so `cardPIN`, `card_pin`,
 * `card-pin`, `card.pin` and `Card Pin` all become `card`, `pin`. Digits stay
 * with the letters before them (`cvv2`, `last4`).
 */
export function splitWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}
