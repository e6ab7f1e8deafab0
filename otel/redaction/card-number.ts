/**
 * Payment card numbers (PANs) in free text. A run of 13 to 19 digits, with
 * or without single spaces or dashes between them, counts as a card number
 * only when it passes the Luhn check and starts with an issuer prefix whose
 * card lengths include its length. The prefix check is what keeps 13-digit
 * millisecond timestamps (17…), 19-digit nanosecond ones and most order
 * numbers from being masked, because about one random number in ten passes
 * the Luhn check. An 11-digit BVN or NIN is never matched here: it is too
 * short, and phone numbers have the same shape, so those are masked by key.
 */

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/**
 * Digit runs with optional single separators, not touching letters or
 * digits. The run is not capped at 19 digits, so a card number written right
 * after another number ("ref 2026 4111 1111 1111 1111") is still inside one
 * candidate, where `maskCandidate` looks for it group by group.
 */
const CANDIDATE = /(?<![0-9A-Za-z])\d(?:[ -]?\d){12,}(?![0-9A-Za-z])/g;

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Issuer prefixes and card lengths of the common networks: Visa (4),
 * Mastercard (51-55 and 2221-2720), American Express (34, 37), Diners Club
 * (300-305, 36, 38, 39) and JCB (3528-3589). Maestro, Verve, Discover and
 * UnionPay share the 50, 56-59 and 6 prefixes, which are kept wide on
 * purpose: masking a rare look-alike costs less than a leaked card.
 */
function hasIssuerPrefix(digits: string): boolean {
  const length = digits.length;
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  switch (digits[0]) {
    case '4':
      return length === 13 || length === 16 || length === 19;
    case '2':
      return four >= 2221 && four <= 2720 && length === 16;
    case '3':
      if (two === 34 || two === 37) return length === 15;
      if (four >= 3528 && four <= 3589) return length >= 16;
      return (three >= 300 && three <= 305) || two === 36 || two === 38 || two === 39
        ? length >= 14
        : false;
    case '5':
      if (two >= 51 && two <= 55) return length === 16;
      return two === 50 || (two >= 56 && two <= 59);
    case '6':
      return true;
    default:
      return false;
  }
}

export function isCardNumber(digits: string): boolean {
  return (
    digits.length >= MIN_DIGITS &&
    digits.length <= MAX_DIGITS &&
    hasIssuerPrefix(digits) &&
    passesLuhn(digits)
  );
}

/** Keeps the first six and last four digits, the most PCI DSS lets a system display. */
export function maskCardNumber(digits: string): string {
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

/**
 * Masks a candidate run: the whole run if it is one card number, else every
 * stretch of consecutive digit groups that forms a card number. Overlapping
 * stretches are masked together, so a number that happens to form a
 * Luhn-valid prefix with the start of a real card cannot leave that card's
 * remaining digits in clear. A masked stretch shows at most its first six
 * and last four digits.
 */
function maskCandidate(candidate: string): string {
  // Digit groups sit at even indices, separators at odd ones.
  const parts = candidate.split(/([ -])/);
  const groups = parts.filter((_, i) => i % 2 === 0);
  const whole = groups.join('');
  if (isCardNumber(whole)) return maskCardNumber(whole);

  const masked = new Array<boolean>(groups.length).fill(false);
  for (let first = 0; first < groups.length; first++) {
    let digits = '';
    for (let last = first; last < groups.length; last++) {
      digits += groups[last];
      if (digits.length > MAX_DIGITS) break;
      if (isCardNumber(digits)) masked.fill(true, first, last + 1);
    }
  }
  if (!masked.includes(true)) return candidate;

  let result = '';
  for (let i = 0; i < groups.length; i++) {
    const separator = parts[2 * i + 1] ?? '';
    if (!masked[i]) {
      result += groups[i] + separator;
      continue;
    }
    let digits = groups[i];
    while (i + 1 < groups.length && masked[i + 1]) digits += groups[++i];
    result += maskCardNumber(digits) + (parts[2 * i + 1] ?? '');
  }
  return result;
}

export function redactCardNumbers(text: string): string {
  return text.replace(CANDIDATE, maskCandidate);
}
