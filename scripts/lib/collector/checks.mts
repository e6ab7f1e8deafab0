/**
 * Structural checks of the collector configs in `collector/`: what
 * `otelcol-contrib validate` would reject, plus the rules of this project
 * (processor order, variables documented, no literal credentials). Each
 * problem is one line naming the file or environment and the fix.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvFile } from '../env-file.mts';
import { checkEnvironment } from './environment-checks.mts';
import { checkFile, readConfigFile } from './file-checks.mts';

/** The environments in a config directory: every YAML file but base.yaml. */
export function listEnvironments(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name) && !/^base\.ya?ml$/.test(name))
    .map((name) => name.replace(/\.ya?ml$/, ''))
    .sort();
}

export interface CheckOptions {
  /** Directory of base.yaml and the overlays, as shown in messages. */
  dir: string;
  /** The dotenv file that documents every variable, as shown in messages. */
  envFile: string;
}

export interface CheckResult {
  environments: string[];
  problems: string[];
}

/** Checks base.yaml and every overlay in `options.dir`. */
export function checkCollectorConfigs(options: CheckOptions): CheckResult {
  const problems: string[] = [];
  const entries = readEnvFile(options.envFile);
  const variables = new Map(
    [...entries].map(([name, entry]) => [name, entry.value]),
  );
  const documented = new Set(entries.keys());

  const environments = listEnvironments(options.dir);
  if (environments.length === 0) {
    problems.push(`${options.dir}: no overlay found next to base.yaml (expected development.yaml, staging.yaml, production.yaml)`);
  }
  const base = readConfigFile(
    join(options.dir, 'base.yaml'),
    join(options.dir, 'base.yaml'),
    problems,
  );
  if (base) checkFile(base, documented, options.envFile, problems);

  // Environment problems keyed by their text, so that one caused by
  // base.yaml is printed once with every environment it affects.
  const byText = new Map<string, string[]>();
  for (const environment of environments) {
    const path = join(options.dir, `${environment}.yaml`);
    const overlay = readConfigFile(path, path, problems);
    if (!overlay) continue;
    checkFile(overlay, documented, options.envFile, problems);
    if (!base) continue;
    const found: string[] = [];
    checkEnvironment([base, overlay], variables, options.envFile, found);
    for (const text of found) {
      byText.set(text, [...(byText.get(text) ?? []), environment]);
    }
  }
  for (const [text, where] of byText) {
    problems.push(`${where.join(', ')}: ${text}`);
  }
  return { environments, problems };
}
