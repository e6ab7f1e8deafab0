/**
 * Finds credentials written into a collector config file instead of being
 * read with `${env:...}`. Two rules: a key that names a credential (such as
 * `authorization`, `x-sentry-auth` or `token`) may hold only references and
 * a scheme word like `Bearer`; and no value anywhere may contain a string
 * shaped like a known kind of secret.
 */
import { collectStrings } from './resolve.mts';

/** Words that make a map key name a credential, after splitting the key. */
const CREDENTIAL_WORDS = new Set([
  'auth',
  'authorization',
  'apikey',
  'cookie',
  'credential',
  'credentials',
  'dsn',
  'passwd',
  'password',
  'secret',
  'token',
]);

/** Two-word credential names, such as `api_key` or `hmac_key`. */
const CREDENTIAL_PAIRS = [
  ['api', 'key'],
  ['hmac', 'key'],
  ['private', 'key'],
  ['access', 'key'],
];

/**
 * What may remain of a credential value once its references are removed:
 * an optional scheme word and an optional `name=` prefix, as in
 * `Bearer ${env:TOKEN}` or `sentry sentry_key=${env:KEY}`.
 */
const SCAFFOLDING = /^\s*(?:(?:bearer|basic|sentry)\s+)?(?:[a-z_]+=)?\s*$/i;

/** Shapes of real secrets, matched anywhere. */
const SECRET_SHAPES: RegExp[] = [
  // A JSON Web Token.
  /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/,
  // PostHog project and personal keys.
  /\bph[cx]_[A-Za-z0-9]{20,}/,
  // Paystack (and Stripe) secret keys.
  /\bsk_(?:live|test)_[A-Za-z0-9]{10,}/,
  // A Sentry DSN with its public key.
  /\bhttps?:\/\/[0-9a-f]{32}@/,
  // An AWS access key id.
  /\bAKIA[0-9A-Z]{16}\b/,
  // A URL with a password in it.
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i,
  // A PEM private key with its body.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=]{16,}/,
];

/** Splits a key into lower-case words at camelCase humps and `.`, `_`, `-`. */
export function splitKeyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .split(/[\s._-]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

function namesCredential(key: string): boolean {
  const words = splitKeyWords(key);
  if (words.some((word) => CREDENTIAL_WORDS.has(word))) return true;
  return CREDENTIAL_PAIRS.some(([first, second]) =>
    words.some((word, i) => word === first && words[i + 1] === second),
  );
}

/** Returns the paths of values that hold a literal credential. */
export function findLiteralCredentials(config: unknown): string[] {
  const paths: string[] = [];
  for (const { path, key, value } of collectStrings(config)) {
    const literal = value.replace(/\$\$|\$\{[^}]*\}/g, '');
    const underCredentialKey =
      key !== undefined && namesCredential(key) && !SCAFFOLDING.test(literal);
    const shapedLikeSecret = SECRET_SHAPES.some((shape) => shape.test(literal));
    if (underCredentialKey || shapedLikeSecret) paths.push(path);
  }
  return paths;
}
