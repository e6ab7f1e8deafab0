/**
 * The rule set, applied to strings, attribute maps and object trees. Every
 * exit of the gateway (spans, span events, Sentry events, the local sink)
 * goes through one `Redactor`, and so should any future exit.
 */
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { isCardNumber, maskCardNumber } from './card-number';
import { KEY_RULES, KeyMatcher } from './key-rules';
import { hasSecretKey, redactPairs } from './pairs';
import {
  customValueRule,
  hasValueTrigger,
  MASK,
  VALUE_RULES,
  type ValueRule,
} from './value-rules';
import { splitWords } from './words';

export interface RedactionOptions {
  /** Extra key names, matched word by word like the built-in key rules. */
  keys?: readonly string[];
  /** Extra value patterns; every match becomes `[REDACTED]`. */
  patterns?: readonly RegExp[];
  /** Names of built-in rules to turn off. */
  disabled?: readonly string[];
  /** Nesting depth `redactObject` walks by default (10). */
  maxDepth?: number;
}

/** Replaces objects nested deeper than the depth limit. */
export const MAX_DEPTH_MARKER = '[MaxDepth]';
/** Replaces an object found inside itself. */
export const CIRCULAR_MARKER = '[Circular]';

const DEFAULT_MAX_DEPTH = 10;

/**
 * Bounds of the cache of strings found clean. Long attribute values often
 * repeat (SQL texts, URLs), and a cache hit costs a hash lookup instead of
 * a scan. Shorter strings are cheaper to scan than to cache, and only clean
 * strings are kept.
 */
const MAX_CLEAN_STRINGS = 1024;
const MIN_CLEAN_STRING_LENGTH = 64;
const MAX_CLEAN_STRING_LENGTH = 2048;

/** JSON texts longer than this are scanned as text instead of parsed. */
const MAX_JSON_PARSE_LENGTH = 256 * 1024;

/** Masks a value found under a secret key. */
function maskValue(value: unknown): unknown {
  // Absence, emptiness and yes/no tell nothing and help debugging.
  if (value === null || value === undefined || value === '') return value;
  if (typeof value === 'boolean') return value;
  return MASK;
}

function looksLikeJson(text: string): boolean {
  const first = text[0];
  const last = text[text.length - 1];
  return (
    (first === '{' && last === '}') ||
    (first === '[' && last === ']') ||
    (first === '"' && last === '"' && text.length > 1)
  );
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isOpaqueObject(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer
  );
}

/**
 * One configured rule set. Build it once; it caches which keys are secret
 * and which strings were found clean.
 */
export class Redactor {
  /** Names of the built-in key rules that are on. */
  readonly keyRules: readonly string[];
  /** Names of the built-in value rules that are on. */
  readonly valueRules: readonly string[];
  /** Key names added on top of the built-in rules. */
  readonly customKeys: readonly string[];
  readonly customPatternCount: number;

  private readonly keys: KeyMatcher;
  private readonly builtInValueRules: readonly ValueRule[];
  private readonly customValueRules: readonly ValueRule[];
  private readonly maxDepth: number;
  private readonly cardNumbersInNumbers: boolean;
  private readonly cleanStrings = new Set<string>();

  constructor(options: RedactionOptions = {}) {
    const disabled = new Set(options.disabled ?? []);
    const keyRules = KEY_RULES.filter((rule) => !disabled.has(rule.name));
    this.keyRules = keyRules.map((rule) => rule.name);
    this.customKeys = (options.keys ?? []).filter(
      (key) => splitWords(key).length > 0,
    );
    this.keys = new KeyMatcher([
      ...keyRules.flatMap((rule) => rule.phrases),
      ...this.customKeys,
    ]);

    this.builtInValueRules = VALUE_RULES.filter((rule) => !disabled.has(rule.name));
    this.valueRules = this.builtInValueRules.map((rule) => rule.name);
    this.customValueRules = (options.patterns ?? []).map(customValueRule);
    this.customPatternCount = this.customValueRules.length;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.cardNumbersInNumbers = this.valueRules.includes('pan');
  }

  /** True when values under `key` are masked whatever they look like. */
  readonly isSecretKey = (key: string): boolean => this.keys.isSecret(key);

  /**
   * Masks secrets inside free text: JSON texts are parsed and walked like
   * objects, anything else goes through the value rules and the
   * key/value pair scan. Returns `text` itself when nothing was found.
   */
  redactString(text: string): string {
    const custom = this.customValueRules.length > 0;
    const nothingToFind =
      text.length < 3 || (!text.includes(':') && !hasValueTrigger(text));
    if (!custom && nothingToFind) return text;

    const cacheable =
      text.length >= MIN_CLEAN_STRING_LENGTH &&
      text.length <= MAX_CLEAN_STRING_LENGTH;
    if (cacheable && this.cleanStrings.has(text)) return text;
    const result = this.scanString(text);
    if (cacheable && result === text) {
      if (this.cleanStrings.size >= MAX_CLEAN_STRINGS) this.cleanStrings.clear();
      this.cleanStrings.add(text);
    }
    return result;
  }

  /**
   * Redacts one value found under `key`: masked whole if the key is a secret
   * key, else scanned (strings), checked for card numbers (integers) or
   * walked (arrays and objects). Returns `value` itself when unchanged.
   */
  redactValue(key: string, value: unknown): unknown {
    return this.walk(value, key, 0, []);
  }

  /**
   * Returns a copy of `value` with every secret masked, or `value` itself
   * when nothing was found. Objects are copied, never changed in place.
   * Cycles become `[Circular]` and objects nested deeper than `maxDepth`
   * become `[MaxDepth]`. Dates, regular expressions and binary buffers are
   * kept as they are. Errors and class instances come back as plain objects
   * when something in them was masked.
   */
  redactObject<T>(value: T, maxDepth = this.maxDepth): T {
    return this.walk(value, undefined, 0, [], maxDepth) as T;
  }

  /**
   * Redacts an OpenTelemetry attribute map. Returns `attributes` itself when
   * nothing was found, else a copy.
   */
  redactAttributes(attributes: Attributes): Attributes {
    let copy: Attributes | undefined;
    for (const key in attributes) {
      const value = attributes[key];
      const redacted = this.redactAttributeValue(key, value);
      if (redacted === value) continue;
      copy ??= { ...attributes };
      copy[key] = redacted;
    }
    return copy ?? attributes;
  }

  /** Redacts one attribute value; returns `value` itself when unchanged. */
  redactAttributeValue(
    key: string,
    value: AttributeValue | undefined,
  ): AttributeValue | undefined {
    if (value === undefined || value === null) return value;
    if (this.keys.isSecret(key)) return maskValue(value) as AttributeValue;
    if (typeof value === 'string') return this.redactString(value);
    if (typeof value === 'number') return this.redactNumber(value) as AttributeValue;
    if (!Array.isArray(value)) return value;

    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      let redacted: unknown = item;
      if (typeof item === 'string') redacted = this.redactString(item);
      else if (typeof item === 'number') redacted = this.redactNumber(item);
      if (redacted === item) continue;
      copy ??= [...value];
      copy[i] = redacted;
    }
    return (copy as AttributeValue | undefined) ?? value;
  }

  /** Integers long enough to be card numbers are checked like text. */
  private redactNumber(value: number | bigint): number | bigint | string {
    if (!this.cardNumbersInNumbers) return value;
    if (typeof value === 'number' && (!Number.isSafeInteger(value) || value < 1e12)) {
      return value;
    }
    if (typeof value === 'bigint' && value < 1_000_000_000_000n) return value;
    const digits = value.toString();
    return isCardNumber(digits) ? maskCardNumber(digits) : value;
  }

  private scanString(text: string): string {
    let result = text;
    for (const rule of this.customValueRules) result = rule.redact(result);
    if (result.length < 3) return result;

    if (looksLikeJson(result) && result.length <= MAX_JSON_PARSE_LENGTH) {
      // Parsing costs more than the rest of a span's redaction, so a JSON
      // text without a secret key and without any value trigger is passed.
      if (!hasValueTrigger(result) && !hasSecretKey(result, this.isSecretKey)) {
        return result;
      }
      const fromJson = this.redactJsonText(result);
      if (fromJson !== undefined) return fromJson;
    }
    if (!result.includes(':') && !hasValueTrigger(result)) return result;
    if (!this.keys.empty) result = redactPairs(result, this.isSecretKey);
    for (const rule of this.builtInValueRules) result = rule.redact(result);
    return result;
  }

  private redactJsonText(text: string): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    const redacted = this.walk(parsed, undefined, 0, []);
    return redacted === parsed ? text : JSON.stringify(redacted);
  }

  private walk(
    value: unknown,
    key: string | undefined,
    depth: number,
    ancestors: object[],
    maxDepth = this.maxDepth,
  ): unknown {
    if (key !== undefined && this.keys.isSecret(key)) return maskValue(value);
    switch (typeof value) {
      case 'string':
        return this.redactString(value);
      case 'number':
      case 'bigint':
        return this.redactNumber(value);
      case 'object':
        if (value === null || isOpaqueObject(value)) return value;
        if (ancestors.includes(value)) return CIRCULAR_MARKER;
        if (depth >= maxDepth) return MAX_DEPTH_MARKER;
        ancestors.push(value);
        try {
          return this.walkObject(value, depth + 1, ancestors, maxDepth);
        } finally {
          ancestors.pop();
        }
      default:
        return value;
    }
  }

  private walkObject(
    value: object,
    depth: number,
    ancestors: object[],
    maxDepth: number,
  ): unknown {
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const redacted = this.walk(value[i], undefined, depth, ancestors, maxDepth);
        if (redacted === value[i]) continue;
        copy ??= [...value];
        copy[i] = redacted;
      }
      return copy ?? value;
    }
    if (value instanceof Map) {
      let changed = false;
      const entries = [...value].map(([k, v]) => {
        const redacted =
          typeof k === 'string'
            ? this.walk(v, k, depth, ancestors, maxDepth)
            : this.walk(v, undefined, depth, ancestors, maxDepth);
        changed ||= redacted !== v;
        return [k, redacted] as const;
      });
      return changed ? new Map(entries) : value;
    }
    if (value instanceof Set) {
      let changed = false;
      const items = [...value].map((v) => {
        const redacted = this.walk(v, undefined, depth, ancestors, maxDepth);
        changed ||= redacted !== v;
        return redacted;
      });
      return changed ? new Set(items) : value;
    }

    // Errors keep message and stack in non-enumerable properties.
    const source: Record<string, unknown> =
      value instanceof Error
        ? { ...value, name: value.name, message: value.message, stack: value.stack }
        : (value as Record<string, unknown>);
    // A null-prototype object stays one; other objects become plain ones.
    const result: Record<string, unknown> = isPlainObject(value)
      ? Object.create(Object.getPrototypeOf(value))
      : {};
    let changed = false;
    for (const key of Object.keys(source)) {
      const item = source[key];
      const redacted = this.walk(item, key, depth, ancestors, maxDepth);
      changed ||= redacted !== item;
      // A parsed `"__proto__"` key is data; plain assignment would make it
      // the copy's prototype.
      Object.defineProperty(result, key, {
        value: redacted,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return changed ? result : value;
  }
}
