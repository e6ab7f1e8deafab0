/**
 * Checks of one collector config file, run once however many environments
 * use it: YAML syntax, top-level keys, literal credentials, variables missing
 * from .env.example, and redaction patterns with lookaround or
 * backreferences, which Go's RE2 does not support.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { componentType, section, SECTIONS, stringList } from './components.mts';
import { findLiteralCredentials } from './credentials.mts';
import {
  collectStrings,
  findReferences,
  isMap,
  type ConfigMap,
} from './resolve.mts';

/** Redaction processor options that hold Go (RE2) regular expressions. */
const REGEX_LISTS = [
  'blocked_key_patterns',
  'blocked_values',
  'allowed_values',
  'ignored_key_patterns',
];

export interface ConfigFile {
  /** Path as shown in messages, such as `collector/base.yaml`. */
  label: string;
  config: ConfigMap;
}

/** Parses one YAML file; a syntax error becomes a problem line. */
export function readConfigFile(
  path: string,
  label: string,
  problems: string[],
): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${label}: cannot be read: ${(error as Error).message}`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    problems.push(`${label}: invalid YAML: ${reason}`);
    return undefined;
  }
  if (parsed == null) parsed = {};
  if (!isMap(parsed)) {
    problems.push(`${label}: must be a YAML map of receivers, processors, exporters, extensions and service`);
    return undefined;
  }
  return { label, config: parsed };
}

function checkVariables(
  file: ConfigFile,
  documented: ReadonlySet<string>,
  envFileLabel: string,
  problems: string[],
): void {
  for (const { path, value } of collectStrings(file.config)) {
    for (const reference of findReferences(value)) {
      if (reference.provider !== 'env') {
        problems.push(`${file.label}: ${path} uses ${reference.text}; only \${env:NAME} references are checked and documented here`);
      } else if (
        reference.fallback === undefined &&
        !documented.has(reference.name)
      ) {
        problems.push(`${file.label}: ${path} uses \${env:${reference.name}}, which is missing from ${envFileLabel}; list it there (an unset variable becomes an empty string)`);
      }
    }
  }
}

function checkRegexes(file: ConfigFile, problems: string[]): void {
  const processors = section(file.config, 'processors');
  for (const [id, options] of Object.entries(processors)) {
    if (componentType(id) !== 'redaction' || !isMap(options)) continue;
    for (const list of REGEX_LISTS) {
      stringList(options[list]).forEach((pattern, index) => {
        if (/\(\?<?[=!]/.test(pattern)) {
          problems.push(`${file.label}: processors.${id}.${list}[${index}] uses a lookahead or lookbehind, which Go's RE2 regular expressions do not support`);
        }
        if (/\\[1-9]/.test(pattern)) {
          problems.push(`${file.label}: processors.${id}.${list}[${index}] uses a backreference, which Go's RE2 regular expressions do not support`);
        }
      });
    }
  }
}

export function checkFile(
  file: ConfigFile,
  documented: ReadonlySet<string>,
  envFileLabel: string,
  problems: string[],
): void {
  for (const key of Object.keys(file.config)) {
    if (key !== 'service' && !(SECTIONS as readonly string[]).includes(key)) {
      problems.push(`${file.label}: unknown top-level key "${key}" (expected ${[...SECTIONS, 'service'].join(', ')})`);
    }
  }
  for (const path of findLiteralCredentials(file.config)) {
    problems.push(`${file.label}: ${path} contains a literal credential; read it with \${env:NAME} and list NAME in ${envFileLabel}`);
  }
  checkVariables(file, documented, envFileLabel, problems);
  checkRegexes(file, problems);
}

