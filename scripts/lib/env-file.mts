/**
 * Reads a dotenv file such as `.env.example`: `NAME=value` lines, `#`
 * comments and blank lines. Values are taken literally (no quotes, no
 * expansion), which is how `.env.example` is written.
 */
import { readFileSync } from 'node:fs';

export interface EnvFileEntry {
  value: string;
  /** 1-based line number, for messages. */
  line: number;
}

export function parseEnvFile(text: string): Map<string, EnvFileEntry> {
  const entries = new Map<string, EnvFileEntry>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const name = line.slice(0, eq).trim();
    entries.set(name, { value: line.slice(eq + 1).trim(), line: index + 1 });
  });
  return entries;
}

export function readEnvFile(path: string): Map<string, EnvFileEntry> {
  return parseEnvFile(readFileSync(path, 'utf8'));
}
