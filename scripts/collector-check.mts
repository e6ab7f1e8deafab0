/**
 * `npm run collector:check`: checks collector/base.yaml merged with each
 * overlay the way the collector merges them, with variables taken from
 * .env.example. Prints one line per problem and exits 1 if there is any.
 *
 *   node scripts/collector-check.mts [--dir collector] [--env-file .env.example]
 */
import { parseArgs } from 'node:util';
import { checkCollectorConfigs } from './lib/collector/checks.mts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: 'collector' },
    'env-file': { type: 'string', default: '.env.example' },
  },
});

const { environments, problems } = checkCollectorConfigs({
  dir: values.dir,
  envFile: values['env-file'],
});

for (const problem of problems) console.error(`error: ${problem}`);
if (problems.length > 0) {
  console.error(`collector:check: ${problems.length} problem(s) in ${values.dir}`);
  process.exit(1);
}
for (const environment of environments) {
  console.log(`ok: ${environment} (base.yaml + ${environment}.yaml)`);
}
