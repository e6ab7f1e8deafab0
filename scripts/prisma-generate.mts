/**
 * Runs `prisma generate`. The Prisma CLI wants its schema-engine binary even
 * though generating the `prisma-client` output never uses it, and it downloads
 * that binary on first use. Where no engine is installed, point
 * PRISMA_SCHEMA_ENGINE_BINARY at a stub so generation works offline.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const dir = mkdtempSync(join(tmpdir(), 'prisma-engine-stub-'));
  const stub = join(dir, 'schema-engine');
  writeFileSync(stub, '#!/bin/sh\necho "schema-engine stub: not available offline" >&2\nexit 1\n');
  chmodSync(stub, 0o755);
  env.PRISMA_SCHEMA_ENGINE_BINARY = stub;
}

const prisma = join('node_modules', '.bin', 'prisma');
if (!existsSync(prisma)) {
  console.error('error: node_modules/.bin/prisma not found; run npm ci first');
  process.exit(1);
}
const result = spawnSync(prisma, ['generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
