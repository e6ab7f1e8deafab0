/**
 * Applies the SQL migrations under prisma/migrations/ to DATABASE_URL, in
 * name order, each in its own transaction. Applied migrations are recorded in
 * `_prisma_migrations` the way `prisma migrate deploy` records them, so either
 * tool can take over from the other. Creates the database if it is missing.
 *
 * Used where Prisma's schema engine is not installed; where it is,
 * `npx prisma migrate deploy` does the same.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const DEFAULT_DATABASE_URL =
  'postgresql://postgres:postgres@127.0.0.1:5432/gateway';
const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'prisma', 'migrations');

const CREATE_HISTORY = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** Creates the target database when the server is up but it does not exist. */
async function ensureDatabase(url: URL): Promise<void> {
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

export async function migrate(databaseUrl: string): Promise<string[]> {
  const url = new URL(databaseUrl);
  await ensureDatabase(url);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    // One runner at a time, so parallel test processes do not race.
    await client.query('SELECT pg_advisory_lock(727274)');
    await client.query(CREATE_HISTORY);
    const done = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const doneNames = new Set(done.rows.map((row) => row.migration_name));

    const names = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const name of names) {
      if (doneNames.has(name)) continue;
      const file = join(MIGRATIONS_DIR, name, 'migration.sql');
      if (!existsSync(file)) continue;
      const sql = readFileSync(file, 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');

      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      applied.push(name);
    }
  } finally {
    await client.end();
  }
  return applied;
}

if (import.meta.main) {
  const databaseUrl = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  let target: URL;
  try {
    target = new URL(databaseUrl);
  } catch {
    fail('DATABASE_URL is not a valid URL (expected postgresql://user:password@host:5432/database)');
  }
  const where = `${target.hostname}:${target.port || 5432}${target.pathname}`;
  try {
    const applied = await migrate(databaseUrl);
    console.log(
      applied.length > 0
        ? `applied ${applied.length} migration(s) to ${where}: ${applied.join(', ')}`
        : `${where} is up to date`,
    );
  } catch (error) {
    fail(`DATABASE_URL: migrating ${where} failed: ${(error as Error).message}`);
  }
}
