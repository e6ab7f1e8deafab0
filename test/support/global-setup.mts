/**
 * Runs once before all test files: recreates the test database, so every
 * `npm test` starts from empty tables whatever earlier runs left behind.
 * The shared server itself is never touched beyond this one database.
 */
import pg from 'pg';
import { migrate } from '../../scripts/db-migrate.mts';
import { TEST_DATABASE_URL } from './env.mts';

export async function globalSetup(): Promise<void> {
  const target = new URL(TEST_DATABASE_URL);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await migrate(TEST_DATABASE_URL);
}
