/**
 * The gateway's one rule set for secrets, and the functions every exit calls
 * before data leaves the process: spans (through `RedactingSpanProcessor`),
 * Sentry events and breadcrumbs, errors written to the local sink, and any
 * exit added later (logs, product events).
 *
 * Rules by key name mask the whole value under a matching key, whatever it
 * looks like. Rules by value pattern mask secrets by their shape anywhere:
 * card numbers keep their first six and last four digits, and everything
 * else becomes `[REDACTED]`. `startSdk` installs a redactor built from the
 * configuration; until then, and in processes without the preload, the
 * built-in rules apply.
 *
 * For a new exit:
 *
 *     import { redactAttributes, redactObject, redactString } from './redaction';
 *     record.attributes = redactAttributes(record.attributes);
 *     record.body = redactString(record.body);           // a log line
 *     event.properties = redactObject(event.properties); // any JSON-like tree
 */
import type { Attributes } from '@opentelemetry/api';
import type { RedactionConfig } from './config';
import { KEY_RULE_NAMES } from './redaction/key-rules';
import { Redactor } from './redaction/redactor';
import { VALUE_RULE_NAMES } from './redaction/value-rules';

export { Redactor, type RedactionOptions } from './redaction/redactor';
export { RedactingLogRecordProcessor } from './redaction/log-processor';
export { RedactingSpanProcessor } from './redaction/span-processor';
export { MASK } from './redaction/value-rules';

/** Every built-in rule, by the name `TELEMETRY_REDACT_DISABLE` uses. */
export const BUILTIN_RULE_NAMES: readonly string[] = [
  ...KEY_RULE_NAMES,
  ...VALUE_RULE_NAMES,
];

let current = new Redactor();

export function createRedactor(config: RedactionConfig): Redactor {
  return new Redactor({
    keys: config.keys,
    patterns: config.patterns,
    disabled: config.disabled,
  });
}

/** Makes `redactor` the one every exit uses from now on. */
export function installRedactor(redactor: Redactor): void {
  current = redactor;
}

export function currentRedactor(): Redactor {
  return current;
}

/** Returns `attributes` with secrets masked: a copy, or `attributes` itself if clean. */
export function redactAttributes(attributes: Attributes): Attributes {
  return current.redactAttributes(attributes);
}

/** Redacts one value found under `key`, masked whole if `key` is a secret key. */
export function redactValue(key: string, value: unknown): unknown {
  return current.redactValue(key, value);
}

/** Masks secrets in free text: messages, URLs, SQL, JSON texts. */
export function redactString(text: string): string {
  return current.redactString(text);
}

/** Returns a copy of an object tree with secrets masked, bounded in depth and safe with cycles. */
export function redactObject<T>(value: T, maxDepth?: number): T {
  return current.redactObject(value, maxDepth);
}

/** True when values under `key` are always masked. */
export function isSecretKey(key: string): boolean {
  return current.isSecretKey(key);
}

/** Describes the rules in one line for the start-up summary; custom patterns are counted, not shown. */
export function describeRedaction(redactor: Redactor): string {
  const keys = [...redactor.keyRules, ...redactor.customKeys];
  const values = [...redactor.valueRules];
  if (redactor.customPatternCount > 0) {
    values.push(`${redactor.customPatternCount} custom`);
  }
  const off = BUILTIN_RULE_NAMES.filter(
    (name) => !redactor.keyRules.includes(name) && !redactor.valueRules.includes(name),
  );
  const offText = off.length > 0 ? `; off: ${off.join(', ')}` : '';
  return `redaction: on, keys ${keys.join(', ') || 'none'}; values ${values.join(', ') || 'none'}${offText}`;
}
