/**
 * Rules by value pattern: secrets recognisable by their shape wherever they
 * appear, in any attribute, message or URL, whatever the key.
 */
import { redactCardNumbers } from './card-number';

/** Replacement for every masked secret except card numbers. */
export const MASK = '[REDACTED]';

export interface ValueRule {
  readonly name: string;
  /** Returns `text` itself when nothing matched, so callers can compare. */
  redact(text: string): string;
}

/** PEM private keys, also when cut short by an attribute length limit. */
const PEM_PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;

/**
 * `scheme://user:password@` keeps the user, which helps debugging, and masks
 * the password. A lone `scheme://userinfo@` is masked whole, because tokens
 * often ride there (`https://<token>@host`, Sentry DSN keys). The password
 * may contain `@`, so the match runs to the last `@` before the path.
 */
const URL_CREDENTIALS =
  /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#"'<>]*)(?::([^\s/?#"'<>]*))?@/gi;

/** Query parameters that grant access to anyone who has the URL. */
const SIGNED_QUERY_PARAMETERS = new Set([
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'awsaccesskeyid',
  'signature',
  'sig',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
]);

const PARAMETER_NAME_CHAR = /[A-Za-z0-9_-]/;
const PARAMETER_VALUE_END = /[&#\s"'<>]/;

/**
 * Masks the values of signed query parameters. Jumps from `=` to `=` and
 * reads the name before each, which is much cheaper on long texts than a
 * pattern with a dozen alternatives. The name must start the text or a line,
 * or follow `?`, `&` or `;`.
 */
function redactSignedParameters(text: string): string {
  let result = '';
  let copied = 0;
  for (let equals = text.indexOf('='); equals !== -1; equals = text.indexOf('=', equals + 1)) {
    let start = equals;
    while (start > 0 && PARAMETER_NAME_CHAR.test(text[start - 1])) start--;
    const before = start === 0 ? '\n' : text[start - 1];
    if (!'?&;\n'.includes(before)) continue;
    if (!SIGNED_QUERY_PARAMETERS.has(text.slice(start, equals).toLowerCase())) continue;

    let end = equals + 1;
    while (end < text.length && !PARAMETER_VALUE_END.test(text[end])) end++;
    if (end === equals + 1) continue;
    result += `${text.slice(copied, equals + 1)}${MASK}`;
    copied = end;
  }
  return copied === 0 ? text : result + text.slice(copied);
}

const BEARER = /\b(bearer)(\s+)[A-Za-z0-9\-._~+/]{6,}=*/gi;

const BASIC = /\b(basic)(\s+)([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/gi;

/** JWS (three segments) and JWE (five); the header is base64url JSON, `eyJ`. */
const JWT =
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,3}/g;

/**
 * Secret API keys with a published prefix: Paystack and Stripe (`sk_live_`,
 * `sk_test_`, `rk_…`), Flutterwave (`FLWSECK-…-X`), AWS access key ids,
 * GitHub, Slack and Google API keys.
 */
const VENDOR_KEY =
  /\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|FLWSECK(?:_TEST)?-[A-Za-z0-9]{10,}-X|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b/g;

/** Literal parts of `VENDOR_KEY`, looked for before the pattern runs. */
const VENDOR_KEY_PREFIXES = [
  '_live_',
  '_test_',
  'FLWSECK',
  'AKIA',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'github_pat_',
  'xox',
  'AIza',
];

function maskUrlCredentials(
  match: string,
  scheme: string,
  user: string,
  password: string | undefined,
): string {
  if (password !== undefined) return `${scheme}${user}:${MASK}@`;
  return user ? `${scheme}${MASK}@` : match;
}

/** `Basic` is a common word; mask only what decodes to `user:password`. */
function maskBasicCredentials(
  match: string,
  scheme: string,
  space: string,
  credentials: string,
): string {
  const decoded = Buffer.from(credentials, 'base64').toString('latin1');
  const looksLikeUserPassword =
    decoded.includes(':') && /^[\x20-\x7e]+$/.test(decoded);
  return looksLikeUserPassword ? `${scheme}${space}${MASK}` : match;
}

/**
 * Tests cheaply, before a case-insensitive pattern runs, whether `tail`
 * occurs in lower or upper case ("Bearer", "bearer", "BEARER").
 * NOTE: mixed case such as "bEaReR" is therefore not masked.
 */
function hasWord(text: string, tail: string): boolean {
  return text.includes(tail) || text.includes(tail.toUpperCase());
}

export const VALUE_RULES: readonly ValueRule[] = [
  {
    name: 'pem',
    redact: (text) =>
      text.includes('PRIVATE KEY') ? text.replace(PEM_PRIVATE_KEY, MASK) : text,
  },
  {
    name: 'url-credentials',
    redact: (text) =>
      text.includes('@') ? text.replace(URL_CREDENTIALS, maskUrlCredentials) : text,
  },
  {
    name: 'url-signature',
    redact: redactSignedParameters,
  },
  {
    name: 'bearer',
    redact: (text) =>
      hasWord(text, 'earer') ? text.replace(BEARER, `$1$2${MASK}`) : text,
  },
  {
    name: 'basic-auth',
    redact: (text) =>
      hasWord(text, 'asic') ? text.replace(BASIC, maskBasicCredentials) : text,
  },
  {
    name: 'jwt',
    redact: (text) => (text.includes('eyJ') ? text.replace(JWT, MASK) : text),
  },
  {
    name: 'vendor-key',
    redact: (text) =>
      VENDOR_KEY_PREFIXES.some((prefix) => text.includes(prefix))
        ? text.replace(VENDOR_KEY, MASK)
        : text,
  },
  { name: 'pan', redact: redactCardNumbers },
];

export const VALUE_RULE_NAMES: readonly string[] = VALUE_RULES.map((r) => r.name);

/**
 * Words that trigger the value rules which need neither `=`, `:` nor `@`,
 * matched case-insensitively.
 */
const TRIGGER_WORDS =
  /eyJ|bearer|basic|PRIVATE KEY|_(?:live|test)_|FLWSECK|AKIA|gh[pousr]_|github_pat_|xox[abprs]-|AIza/i;

/**
 * Eight digits, with at most one space or dash after the fourth: how the
 * common card number formats start (4-4-4-4, 4-6-5, 4-6-4, or no
 * separators). A card number written in groups of fewer than four digits is
 * not looked for in text that contains no other trigger.
 */
const TRIGGER_DIGITS = /\d{4}[ -]?\d{4}/;

/**
 * Returns false when no built-in value rule can match and no `key=value`
 * pair can contain a secret, as for most attribute values. `=` and `@` are
 * looked for first because `includes` is far cheaper than a pattern. The
 * caller checks `:`, because it starts pairs in text but every JSON text has
 * one.
 */
export function hasValueTrigger(text: string): boolean {
  return (
    text.includes('=') ||
    text.includes('@') ||
    TRIGGER_DIGITS.test(text) ||
    TRIGGER_WORDS.test(text)
  );
}

/** Builds the rule for one `TELEMETRY_REDACT_PATTERNS` entry: every match is masked. */
export function customValueRule(pattern: RegExp): ValueRule {
  const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
  return {
    name: 'custom',
    redact: (text) => text.replace(global, MASK),
  };
}
