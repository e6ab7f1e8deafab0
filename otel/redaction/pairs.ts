/**
 * `key=value`, `key: value`, `"key": "value"` and `\"key\":\"value\"` pairs
 * in free text: query strings, form bodies, SQL, header lines, error
 * messages, Prisma's and `util.inspect`'s object dumps, JSON inside JSON.
 *
 * The scan jumps from one `:` or `=` to the next and reads the key just
 * before it, which is much cheaper than trying a pattern at every position
 * of a long SQL text. A pair whose key is harmless is stepped over only up
 * to its separator, so pairs inside its value are still found
 * (`uuid: "… pin=1234"`).
 */
import { MASK } from './value-rules';

/** Letters, `_` and `%`: what a key may start with. */
function isKeyStart(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    code === 95 || // _
    code === 37 // %
  );
}

/** Letters, digits and `_ % . - [ ]`: what a key may contain. */
function isKeyChar(code: number): boolean {
  return (
    isKeyStart(code) ||
    (code >= 48 && code <= 57) || // 0-9
    code === 46 || // .
    code === 45 || // -
    code === 91 || // [
    code === 93 // ]
  );
}

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

/**
 * The value after a separator; sticky, so it is tried at one position only.
 * NOTE: an unquoted value ends at the first space, so in free text such as
 * `password: correct horse` only `correct` is masked.
 */
const VALUE =
  /\s{0,3}("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\\"(?:[^"\\\n]|\\[^"])*\\"|(?:(?:bearer|basic|digest|token)\s+)?[^\s&;,"'{}[\]()<>\\]+)/iy;

/** Values that tell nothing and stay readable under any key. */
const KEPT_LITERALS = new Set(['true', 'false', 'null', 'undefined']);

/**
 * Walks the `:` and `=` of a text in order. Each kind is searched with
 * `indexOf` once per occurrence, not once per step.
 */
class Separators {
  private colon: number;
  private equals: number;

  constructor(private readonly text: string) {
    this.colon = text.indexOf(':');
    this.equals = text.indexOf('=');
  }

  /** Returns the next separator's index, or -1 when none is left. */
  next(): number {
    const { colon, equals } = this;
    if (colon === -1 && equals === -1) return -1;
    if (equals === -1 || (colon !== -1 && colon < equals)) {
      this.colon = this.text.indexOf(':', colon + 1);
      return colon;
    }
    this.equals = this.text.indexOf('=', equals + 1);
    return equals;
  }
}

function decodeKey(key: string): string {
  if (!key.includes('%')) return key;
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

function maskQuoted(value: string): string {
  if (value.startsWith('\\"')) return `\\"${MASK}\\"`;
  if (value.startsWith('"')) return `"${MASK}"`;
  if (value.startsWith("'")) return `'${MASK}'`;
  return MASK;
}

/** Reads the key that ends right before `separator`, or undefined. */
function keyBefore(text: string, separator: number): string | undefined {
  let end = separator;
  while (end > 0 && separator - end < 3 && isSpace(text[end - 1])) end--;

  const quote = text[end - 1] === '"' || text[end - 1] === "'" ? text[end - 1] : '';
  if (quote) end--;
  if (quote && text[end - 1] === '\\') end--;

  let start = end;
  while (start > 0 && isKeyChar(text.charCodeAt(start - 1))) start--;
  if (start === end || !isKeyStart(text.charCodeAt(start))) return undefined;

  const before = text[start - 1];
  if (quote) {
    // The key must be quoted on both sides with the same quote.
    const opening = before === '\\' ? text[start - 2] : before;
    if (before !== quote && opening !== quote) return undefined;
  } else if (before === '/' || before === '\\') {
    // `src/auth/token.ts:12` is a path and a line number.
    return undefined;
  }
  return text.slice(start, end);
}

/** True when some `key:` or `key=` in `text` has a key `isSecret` accepts. */
export function hasSecretKey(text: string, isSecret: (key: string) => boolean): boolean {
  const separators = new Separators(text);
  for (let separator = separators.next(); separator !== -1; separator = separators.next()) {
    const key = keyBefore(text, separator);
    if (key !== undefined && isSecret(decodeKey(key))) return true;
  }
  return false;
}

/** Masks the values of pairs whose key `isSecret` accepts. */
export function redactPairs(text: string, isSecret: (key: string) => boolean): string {
  let result = '';
  let copied = 0;
  const separators = new Separators(text);
  for (let separator = separators.next(); separator !== -1; separator = separators.next()) {
    // Separators inside a value that was just masked are skipped.
    if (separator < copied) continue;
    const key = keyBefore(text, separator);
    if (key === undefined || !isSecret(decodeKey(key))) continue;

    VALUE.lastIndex = separator + 1;
    const match = VALUE.exec(text);
    if (!match) continue;
    const value = match[1];
    if (KEPT_LITERALS.has(value.toLowerCase())) continue;

    const valueStart = VALUE.lastIndex - value.length;
    result += text.slice(copied, valueStart) + maskQuoted(value);
    copied = VALUE.lastIndex;
  }
  return copied === 0 ? text : result + text.slice(copied);
}
