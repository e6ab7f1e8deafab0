/**
 * Rules by key name. A key matches a rule when the rule's words appear, in
 * order and next to each other, among the words of the key (see
 * `splitWords`). Matching whole words, never substrings, keeps `span_id`,
 * `shipping`, `spinner`, `pinned_at` and `running` out of the `pin` and
 * `nin` rules.
 */
import { splitWords } from './words';

export interface KeyRule {
  readonly name: string;
  /** Phrases of one or more space-separated words. */
  readonly phrases: readonly string[];
}

export const KEY_RULES: readonly KeyRule[] = [
  {
    name: 'password',
    phrases: ['password', 'passwords', 'passwd', 'pwd', 'passphrase', 'passcode'],
  },
  { name: 'pin', phrases: ['pin', 'mpin', 'tpin'] },
  { name: 'otp', phrases: ['otp', 'totp', 'hotp'] },
  {
    name: 'cvv',
    phrases: ['cvv', 'cvv2', 'cvc', 'cvc2', 'csc', 'security code'],
  },
  { name: 'secret', phrases: ['secret', 'secrets'] },
  {
    name: 'token',
    phrases: [
      'token',
      'tokens',
      'accesstoken',
      'refreshtoken',
      'idtoken',
      'authtoken',
      'csrftoken',
      'xsrftoken',
    ],
  },
  { name: 'api-key', phrases: ['api key', 'apikey', 'access key', 'accesskey'] },
  { name: 'authorization', phrases: ['authorization', 'auth'] },
  { name: 'cookie', phrases: ['cookie', 'cookies'] },
  {
    name: 'session',
    phrases: ['session', 'sessionid', 'sid', 'sessid', 'jsessionid', 'phpsessid'],
  },
  { name: 'bvn', phrases: ['bvn'] },
  { name: 'nin', phrases: ['nin'] },
  {
    name: 'card-number',
    phrases: [
      'card number',
      'cardnumber',
      'card no',
      'card num',
      'cc number',
      'ccnumber',
      'credit card',
      'pan',
    ],
  },
  {
    name: 'account-number',
    phrases: [
      'account number',
      'accountnumber',
      'account no',
      'acct number',
      'acct no',
      'acctno',
      'nuban',
      'iban',
    ],
  },
  {
    name: 'private-key',
    phrases: ['private key', 'privatekey', 'signing key', 'encryption key'],
  },
];

export const KEY_RULE_NAMES: readonly string[] = KEY_RULES.map((r) => r.name);

/**
 * Last words that make a key describe a secret rather than hold it:
 * `token_type` is "Bearer", `pin_attempts` a count, `password_changed_at` a
 * time. They only apply when the word is not itself part of a match, so a
 * custom key `mothers_maiden_name` still matches on `name`.
 */
export const DESCRIPTIVE_LAST_WORDS: ReadonlySet<string> = new Set([
  'type',
  'kind',
  'count',
  'length',
  'size',
  'expires',
  'expiry',
  'expiration',
  'ttl',
  'at',
  'attempts',
  'retries',
  'status',
  'enabled',
  'required',
  'present',
  'verified',
  'name',
  'url',
  'uri',
  'endpoint',
  'version',
  'format',
  'method',
  'provider',
  'scheme',
  'mode',
  'policy',
]);

/** Beyond this many distinct keys the cache is cleared, bounding memory. */
const MAX_CACHED_KEYS = 2048;

/** Decides whether a key is secret, caching the result per key. */
export class KeyMatcher {
  private readonly phrasesByFirstWord = new Map<string, string[][]>();
  private readonly cache = new Map<string, boolean>();

  constructor(phrases: readonly string[]) {
    for (const phrase of phrases) {
      const words = splitWords(phrase);
      if (words.length === 0) continue;
      const list = this.phrasesByFirstWord.get(words[0]) ?? [];
      list.push(words);
      this.phrasesByFirstWord.set(words[0], list);
    }
  }

  get empty(): boolean {
    return this.phrasesByFirstWord.size === 0;
  }

  isSecret(key: string): boolean {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const secret = this.match(splitWords(key));
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
    this.cache.set(key, secret);
    return secret;
  }

  private match(words: string[]): boolean {
    let matched = false;
    let lastWordMatched = false;
    for (let start = 0; start < words.length; start++) {
      const phrases = this.phrasesByFirstWord.get(words[start]);
      if (!phrases) continue;
      for (const phrase of phrases) {
        if (!startsAt(words, phrase, start)) continue;
        matched = true;
        if (start + phrase.length === words.length) lastWordMatched = true;
      }
    }
    if (!matched) return false;
    const lastWord = words[words.length - 1];
    return lastWordMatched || !DESCRIPTIVE_LAST_WORDS.has(lastWord);
  }
}

function startsAt(words: string[], phrase: string[], start: number): boolean {
  if (start + phrase.length > words.length) return false;
  for (let i = 0; i < phrase.length; i++) {
    if (words[start + i] !== phrase[i]) return false;
  }
  return true;
}
